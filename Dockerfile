# The fleet's code as an image for Dagster's Helm chart (docs/deploy-kubernetes.md): the
# code server of a user code deployment (`dagster api grpc`, the chart's
# dagsterApiGrpcArgs) and every run pod K8sRunLauncher starts from it. Build it at the
# repository's root:
#
#   docker build -t registry.example.com/intacct-fleet:$(git rev-parse --short HEAD) .
#
# It holds no secret: the Intacct credentials, the destination's and the instance's
# passwords come from Kubernetes Secrets at run time (deploy/helm/values.yaml).
# tests/integrations/dagster/test_production_paths.py lints it with hadolint and holds its
# paths and pins to the repository's.

# Pin the digest too where you build (docker buildx imagetools inspect <tag>): a tag moves
# with Debian's security updates, a digest does not.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/dagster_home

# The connector from this checkout with its `k8s` extra (pyproject.toml): Dagster and
# dagster-postgres (the `dagster` extra), dagster-k8s (K8sRunLauncher, which the run pods'
# instance names) and dagster-aws (S3ComputeLogManager, S3 step outputs), each pinned
# there to the Dagster release the fleet is tested with. Every dependency ships wheels:
# nothing is compiled, so the image needs no compiler.
WORKDIR /opt/dagster/src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/venv \
    && pip install --no-cache-dir "./[k8s]" \
    && rm -rf /opt/dagster/src

# The fleet's code: examples/dagster-deploy's definitions.py and tenants.yaml at a fixed
# path, the one the chart's dagsterApiGrpcArgs name. Replace tenants.yaml with your own
# companies here, or mount yours over it (a ConfigMap, the deployment's volumeMounts).
WORKDIR /opt/dagster/app
COPY examples/dagster-deploy/definitions.py examples/dagster-deploy/tenants.yaml ./

# Not root: a user of its own, who owns DAGSTER_HOME (the chart mounts the instance's
# dagster.yaml into it; local step outputs and logs are written under it).
RUN useradd --no-log-init --system --uid 10001 --user-group --no-create-home dagster \
    && mkdir -p "$DAGSTER_HOME" \
    && chown dagster:dagster "$DAGSTER_HOME"
USER 10001:10001

EXPOSE 3030

# No ENTRYPOINT: the chart starts the code server with args of its own
# (["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", <port>, <dagsterApiGrpcArgs>...])
# and K8sRunLauncher's run pods with ["dagster", "api", "execute_run", ...]; an
# ENTRYPOINT would be put before both. This CMD is the code server for `docker run`.
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "3030", "-f", "/opt/dagster/app/definitions.py"]
