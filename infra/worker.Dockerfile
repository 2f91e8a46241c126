# syntax=docker/dockerfile:1
# GPU shard worker (src/DiMaskDino.Worker): CUDA 13 + cuDNN 9 runtime, the ASP.NET Core 10 runtime (the worker
# serves /healthz and /readyz on 8080), ONNX Runtime GPU from the app's NuGet package
# (Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31, whose CUDA provider links libcudart.so.13 and libcublas.so.13 and loads
# cuDNN 9: exactly what this base image carries; the GPU node supplies the driver). Build context: the repository
# root as staged by infra/deploy.sh (global.json, Directory.*, build/, src/).

# ---- build -----------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/DiMaskDino.Worker/DiMaskDino.Worker.csproj \
        --configuration Release --runtime linux-x64 --no-self-contained \
        -p:UseAppHost=false --output /app

# ---- .NET runtime, taken from Microsoft's image for the same Ubuntu release ------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS dotnet

# ---- runtime -----------------------------------------------------------------------------------------------------
FROM nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04 AS runtime

# The .NET runtime's own dependencies (glibc, libstdc++ and zlib come with the base) and fontconfig for the report
# plots (SkiaSharp). Versions follow the Ubuntu 24.04 archive's security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends ca-certificates libssl3t64 libfontconfig1 tzdata \
    && rm -rf /var/lib/apt/lists/*

COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && groupadd --system --gid 10001 dimaskdino \
    && useradd --system --uid 10001 --gid dimaskdino --no-create-home --shell /usr/sbin/nologin dimaskdino

ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_NOLOGO=true \
    Worker__HealthPort=8080 \
    Inference__PreferredProvider=Cuda

WORKDIR /app
# Owned by root and read-only for the app user: the worker writes only to blob storage and /tmp.
COPY --from=build /app ./

USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["dotnet", "DiMaskDino.Worker.dll"]
