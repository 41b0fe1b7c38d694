# Tråd: a slim, non-root image that runs `trad serve`.
# Build: docker build -t trad .      Run: docker run -p 8000:8000 --env-file .env -v trad-data:/app/var trad
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY forms ./forms
COPY models ./models
COPY notifications ./notifications
COPY reports ./reports
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-compile . && \
    find /opt/venv -name '__pycache__' -prune -exec rm -rf {} +

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////app/var/trad.db
RUN groupadd --system --gid 10001 trad && \
    useradd --system --uid 10001 --gid trad --home-dir /app --shell /usr/sbin/nologin trad && \
    mkdir -p /app/var && chown -R trad:trad /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER trad
EXPOSE 8000
VOLUME ["/app/var"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
# Migrations run before the server starts; the demo is not seeded in production images.
CMD ["sh", "-c", "trad migrate && exec trad serve --host 0.0.0.0 --port 8000"]
