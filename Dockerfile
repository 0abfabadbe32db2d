# plankg: build the graph and serve it on the embedded store.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PLANKG_HOST=0.0.0.0 PLANKG_PORT=8000

RUN useradd --create-home --uid 10001 plankg
WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml or constraints.txt changes.
COPY pyproject.toml README.md constraints.txt ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PY
RUN pip install -c constraints.txt -r /tmp/requirements.txt

COPY plankg ./plankg
COPY loaders ./loaders
COPY service ./service
COPY ontology ./ontology
COPY shapes ./shapes
COPY queries ./queries
COPY data ./data
RUN pip install --no-deps -e . && mkdir -p /app/var /app/dist && chown -R plankg:plankg /app/var /app/dist
# Bytecode once, here: PYTHONDONTWRITEBYTECODE (and a read-only /app for the plankg user) meant
# every start compiled the project's modules from source again (~0.13 s of `plankg serve`).
RUN python -m compileall -q plankg loaders service

USER plankg
EXPOSE 8000
# Builds the graph into the store on first start, then serves it.
CMD ["plankg", "serve"]
