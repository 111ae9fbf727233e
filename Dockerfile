# ViralForge studio image. Build: docker build -t viralforge .
# Run:   docker run -p 5080:8080 -e ConnectionStrings__ViralForge="Host=db;Username=...;Password=...;Database=viralforge" \
#          -e VIRALFORGE_ADMIN_PASSWORD=... -v viralforge-data:/data viralforge
# Only the web port is exposed.
#
# GPU image: docker build --build-arg VARIANT=gpu -t viralforge:gpu .
#   docker run --gpus '"device=0"' ... viralforge:gpu   (add Workers__Media=0 Workers__Default=0 for a box
#   that serves only the gpu queue). It carries the CUDA and cuDNN libraries that ONNX Runtime's CUDA
#   provider loads; the driver comes from the host through the NVIDIA container toolkit. The CUDA major
#   version must be the one the provider library was built for (a test checks it against the package).
ARG VARIANT=cpu
ARG CUDA_IMAGE=nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish ViralForge.Web/ViralForge.Web.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime-cpu
# libgomp1: whisper.cpp's CPU backend (Whisper word alignment, decision 0017) is built with OpenMP.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg espeak-ng fonts-dejavu-core libgomp1 curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown app /data
# Forced alignment of word times (decision 0015) uses the 5-prealpha pocketsphinx_batch; where the
# base image packages another pocketsphinx, the studio says captions are estimated instead of failing.
RUN apt-get update \
 && (apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us || echo "pocketsphinx not installed") \
 && rm -rf /var/lib/apt/lists/*

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS aspnet

FROM ${CUDA_IMAGE} AS runtime-gpu
COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
# Ubuntu's ffmpeg loads NVENC from the driver the toolkit mounts ("video" capability).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg espeak-ng fonts-dejavu-core libgomp1 curl ca-certificates libicu74 \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && useradd --system --create-home app \
 && mkdir -p /data && chown app /data
# Forced alignment of word times (decision 0015) uses the 5-prealpha pocketsphinx_batch; where the
# base image packages another pocketsphinx, the studio says captions are estimated instead of failing.
RUN apt-get update \
 && (apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us || echo "pocketsphinx not installed") \
 && rm -rf /var/lib/apt/lists/*
ENV DOTNET_ROOT=/usr/share/dotnet \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,video \
    Gpu__ExecutionProvider=cuda

FROM runtime-${VARIANT} AS studio
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Storage__ArtifactsPath=/data/artifacts \
    Storage__OutboxPath=/data/outbox \
    Storage__WorkPath=/data/work \
    Media__MusicPath=/data/music \
    Media__VoicesPath=/data/voices \
    Gpu__SvdModelsPath=/data/models/svd
VOLUME /data
EXPOSE 8080
USER app
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fs http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "ViralForge.Web.dll"]
