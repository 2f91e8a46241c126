# syntax=docker/dockerfile:1
# Training job (src/DiMaskDino.Training, `dimaskdino-train`). Ubuntu 24.04 base: its libstdc++ has
# GLIBCXX_3.4.32, so TorchSharp's native library loads as shipped (docs/torchsharp-on-debian.md explains the
# Debian 12 workaround this image does not need). TORCH_BACKEND=cuda (default here, for the GPU profile) builds
# against TorchSharp-cuda-linux, whose libtorch carries its own CUDA and cuDNN libraries; only the host driver
# comes from the GPU node. TORCH_BACKEND=cpu builds the CPU image the tests use.
# Build context: the repository root as staged by infra/deploy.sh.

ARG TORCH_BACKEND=cuda

# ---- build -----------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
ARG TORCH_BACKEND
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/DiMaskDino.Training/DiMaskDino.Training.csproj \
        --configuration Release --runtime linux-x64 --no-self-contained \
        -p:UseAppHost=false -p:TorchBackend=${TORCH_BACKEND} --output /app

# ---- .NET runtime, taken from Microsoft's image for the same Ubuntu release ------------------------------------
FROM mcr.microsoft.com/dotnet/runtime:10.0-noble AS dotnet

# ---- runtime -----------------------------------------------------------------------------------------------------
FROM ubuntu:24.04 AS runtime

# .NET runtime dependencies and fontconfig for the training curves (SkiaSharp).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends ca-certificates libssl3t64 libfontconfig1 libgomp1 tzdata \
    && rm -rf /var/lib/apt/lists/*

COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
    && groupadd --system --gid 10001 dimaskdino \
    && useradd --system --uid 10001 --gid dimaskdino --create-home --home-dir /home/dimaskdino --shell /usr/sbin/nologin dimaskdino

ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_NOLOGO=true

WORKDIR /app
COPY --from=build /app ./

# Runs write under the user's home (or a mounted volume); the app folder stays read-only.
USER 10001:10001
WORKDIR /home/dimaskdino
ENTRYPOINT ["dotnet", "/app/dimaskdino-train.dll"]
CMD ["--help"]
