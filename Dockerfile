# ViralForge studio image. Build: docker build -t viralforge .
# Run:   docker run -p 5080:8080 -e ConnectionStrings__ViralForge="Host=db;Username=...;Password=...;Database=viralforge" \
#          -e VIRALFORGE_ADMIN_PASSWORD=... -v viralforge-data:/data viralforge
# Only the web port is exposed. For a GPU box, run with --gpus '"device=0"' (or compose `device_ids`) and
# Workers__Media=0 Workers__Default=0 so it serves only the gpu queue.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish ViralForge.Web/ViralForge.Web.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg espeak-ng fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown app /data
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Storage__ArtifactsPath=/data/artifacts \
    Storage__OutboxPath=/data/outbox \
    Storage__WorkPath=/data/work \
    Media__MusicPath=/data/music
VOLUME /data
EXPOSE 8080
USER app
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fs http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "ViralForge.Web.dll"]
