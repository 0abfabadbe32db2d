# plankg: the graph built into the image, served on the embedded store.
#   docker build -t plankg .        (--build-arg PLANKG_BASE_IRI=https://… for a public base)
#   docker run -p 8000:8000 -v plankg-store:/var/lib/plankg/var plankg
FROM python:3.11-slim

# The base every IRI is minted with: fixed when the graph is built, here; a container started with
# another one is refused with the remedy (plankg.stamp), so set it at build time.
ARG PLANKG_BASE_IRI=http://127.0.0.1:8000/
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PLANKG_BASE_IRI=${PLANKG_BASE_IRI} PLANKG_HOST=0.0.0.0 PLANKG_PORT=8000 PLANKG_HOME=/var/lib/plankg

RUN useradd --create-home --uid 10001 plankg
WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml or constraints.txt changes.
COPY pyproject.toml README.md constraints.txt ./
RUN python - <<'PY' > /tmp/requirements.txt
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
PY
RUN pip install -c constraints.txt -r /tmp/requirements.txt

# A wheel install, as on any machine: the data directories travel inside the package (plankg.resources).
COPY plankg ./plankg
COPY loaders ./loaders
COPY service ./service
COPY ontology ./ontology
COPY shapes ./shapes
COPY queries ./queries
COPY data ./data
RUN pip install --no-deps . && rm -rf /src /tmp/requirements.txt \
    && mkdir -p /var/lib/plankg && chown plankg:plankg /var/lib/plankg

USER plankg
WORKDIR /var/lib/plankg
# The graph is built into the image (dist/ and the store under PLANKG_HOME): a container serves at once.
RUN plankg build
# The store, with what stewards write through the API, outlives the container. A new named volume
# starts as a copy of the store built above.
VOLUME /var/lib/plankg/var
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/queries/impact-areas' % os.environ['PLANKG_PORT'], timeout=4)"]
CMD ["plankg", "serve"]
