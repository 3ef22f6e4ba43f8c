/* The test control plane, for end-to-end suites: a real etcd and
 * kube-apiserver (test/cp/cp.sh) started once per run by the e2e runner.
 * Test processes find it through the environment the runner exports
 * (KUBECONFIG, IOP_TEST_SERVER, IOP_TEST_ADMIN_TOKEN, ...). */
#ifndef IOP_TESTCP_H
#define IOP_TESTCP_H

/* Starts it in a new temporary directory and exports its environment.
 * Everything stops, and the directory goes, when testcp_stop() runs, at
 * exit, on SIGINT/SIGTERM, or (through a watchdog) when this process dies
 * in any other way. Returns 0 or -1 with a message on stderr. With
 * IOP_TEST_PLANE=DIR, uses the plane `cp.sh start DIR` started instead,
 * and leaves it running. */
int testcp_start(void);
void testcp_stop(void);

/* For tests: the directory, and the faults they can cause. Each returns 0
 * on success. */
const char *testcp_dir(void);
int testcp_restart_apiserver(void);
int testcp_stop_apiserver(void);
int testcp_start_apiserver(void);
int testcp_compact_etcd(void);
/* Deletes a key in etcd behind the apiserver's back, e.g.
 * "/registry/configmaps/NS/NAME": a change made while it is down. */
int testcp_etcd_delete(const char *key);
int testcp_start_controller_manager(void);
int testcp_stop_controller_manager(void);

#endif
