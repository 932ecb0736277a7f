# The operator image: the agentops-operator distribution (and agentops-sdk, the agent contract it depends
# on), nothing of the API stand-in or the demo. Not built in CI (no container engine there); build it
# where Docker runs, from the repository root after ./scripts/package (it builds dist/):
#   docker build -t ghcr.io/agentops-dev/agentops-operator:0.1.0 .
FROM python:3.11-slim AS build
COPY dist/agentops_sdk-0.1.0-py3-none-any.whl dist/agentops_operator-0.1.0-py3-none-any.whl /wheels/
RUN pip install --no-cache-dir --prefix=/install /wheels/*.whl

FROM python:3.11-slim
COPY --from=build /install /usr/local
USER 65532:65532
ENTRYPOINT ["agentops-operator"]
CMD ["run", "--log-format=json"]
