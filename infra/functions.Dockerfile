# syntax=docker/dockerfile:1
# Control plane (src/DiMaskDino.Functions, .NET 10 isolated worker) as a container, for Functions on Azure
# Container Apps or a local run next to Azurite. infra/deploy.sh does NOT use this image: on the Flex Consumption
# plan the app is deployed as a zip package (az functionapp deployment source config-zip), since Flex Consumption
# runs no custom containers.
# Build context: the repository root as staged by infra/deploy.sh.

# ---- build -----------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
RUN dotnet publish src/DiMaskDino.Functions/DiMaskDino.Functions.csproj \
        --configuration Release --runtime linux-x64 --no-self-contained --output /home/site/wwwroot

# ---- runtime -----------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0 AS runtime

RUN groupadd --system --gid 10001 dimaskdino \
    && useradd --system --uid 10001 --gid dimaskdino --no-create-home --shell /usr/sbin/nologin dimaskdino

# A non-root user cannot bind port 80 (the image's default): the host listens on 8080 instead.
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    ASPNETCORE_URLS=http://+:8080

COPY --from=build /home/site/wwwroot /home/site/wwwroot

USER 10001:10001
EXPOSE 8080
