# syntax=docker/dockerfile:1
# Threadr: one image for the API (`threadr serve`), the bots and `threadr migrate`.
# Dependencies from requirements.lock (scripts/lock), then this project; no secrets baked in.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
# The locked versions (the ones the tests ran), then Threadr itself without re-resolving.
RUN python -m venv /opt/threadr && /opt/threadr/bin/pip install --upgrade pip \
    && /opt/threadr/bin/pip install -r requirements.lock
COPY core ./core
COPY web ./web
COPY bots ./bots
COPY cli ./cli
RUN /opt/threadr/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/threadr/bin/pip install --no-deps /wheels/*.whl

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 threadr
COPY --from=build /opt/threadr /opt/threadr
COPY migrations /app/migrations
ENV PATH=/opt/threadr/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    THREADR_MIGRATIONS_DIR=/app/migrations \
    THREADR_DATA_DIR=/home/threadr/data \
    THREADR_HOST=0.0.0.0 \
    THREADR_PORT=8080
USER threadr
WORKDIR /home/threadr
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2); sys.exit(0)"
STOPSIGNAL SIGTERM
CMD ["threadr", "serve"]
