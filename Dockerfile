# The operator image. Not built in CI (no container engine there); build it where Docker runs:
#   docker build -t ghcr.io/agentops-dev/agentops-operator:0.1.0 .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY operator ./operator
COPY sdk ./sdk
# agentops-operator depends on agentops-sdk (the agent contract), released with it from ./sdk.
RUN pip install --no-cache-dir --prefix=/install ./sdk .

FROM python:3.11-slim
COPY --from=build /install /usr/local
USER 65532:65532
ENTRYPOINT ["agentops-operator"]
CMD ["run", "--log-format=json"]
