# iop: the IstioOperator controller and installer.
#
#   docker build --build-arg ISTIO_VERSION=1.23.6 -t iop .
#
# `make image-check` (as root) tries the runtime stage without a container
# engine: the packages below in a debootstrapped Debian 12, then iop in it.
#
# Stage 1 builds iop on Debian 12. Stage 2 fetches an Istio release and keeps
# its manifests/ (profiles and charts), so the image renders offline.
# Stage 3 is the runtime: Debian 12 slim with only the shared libraries iop
# uses, the manifests, and a non-root user. Its libcurl is built in stage 1
# from Debian's curl source package with HTTP and HTTPS only
# (scripts/libcurl-min.sh): Debian's libcurl4 would bring 37 libraries
# (GnuTLS, Kerberos, LDAP...) that cost the server 3.5 MiB of memory.

FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends gcc make pkg-config libuv1-dev \
      libcurl4-openssl-dev libjson-c-dev libyaml-dev libpcre2-dev git \
      dpkg-dev libssl-dev libnghttp2-dev zlib1g-dev
WORKDIR /src
COPY . .
RUN make clean && make binaries && strip build/iop \
    && bash scripts/libcurl-min.sh /opt/libcurl \
    && strip /opt/libcurl/lib/libcurl.so.4.*

FROM debian:12 AS manifests
ARG ISTIO_VERSION=1.23.6
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN arch=$(dpkg --print-architecture) \
    && curl -fsSL -o /tmp/istio.tgz \
      "https://github.com/istio/istio/releases/download/${ISTIO_VERSION}/istio-${ISTIO_VERSION}-linux-${arch}.tar.gz" \
    && mkdir -p /out \
    && tar -xzf /tmp/istio.tgz -C /tmp \
    && cp -r "/tmp/istio-${ISTIO_VERSION}/manifests" /out/manifests \
    && echo "${ISTIO_VERSION}" > /out/manifests/ISTIO_VERSION

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
      --no-install-recommends libuv1 libjson-c5 libyaml-0-2 libpcre2-8-0 \
      libssl3 libnghttp2-14 zlib1g ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/debconf/* /usr/share/doc/*
COPY --from=build /opt/libcurl/lib/libcurl.so.4* /usr/local/lib/
RUN ldconfig
COPY --from=build /src/build/iop /usr/bin/iop
COPY --from=manifests /out/manifests /usr/share/iop/manifests
USER 1337:1337
ENV IOP_MANIFESTS=/usr/share/iop/manifests
ENTRYPOINT ["/usr/bin/iop"]
CMD ["server"]
