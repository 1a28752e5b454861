# cop-api: `docker build -t cop-api .` then
#   docker run -p 8000:8000 -e DATABASE_URL=postgresql://user:pass@db:5432/cop_api \
#     -e SECRET_KEY=<at least 32 random characters> cop-api
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data

RUN groupadd --system --gid 10001 cop \
    && useradd --system --uid 10001 --gid cop --home-dir /data --no-create-home cop

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
RUN pip install --no-cache-dir -e .

# Editable install: the migrations in alembic/ stay next to the app/ package, where
# `cop-api migrate` and `cop-api serve` find them.
COPY alembic.ini ./
COPY alembic ./alembic
COPY app ./app

# Only used when DATABASE_URL is unset (an embedded PostgreSQL keeps its data here).
RUN mkdir -p /data && chown 10001:10001 /data
VOLUME ["/data"]

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz\", timeout=2)"]

# Applies migrations, then serves on $HOST:$PORT.
ENTRYPOINT ["cop-api", "serve"]
