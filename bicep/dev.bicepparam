// dev: serverless T4 GPUs (Consumption-GPU-NC8as-T4: 8 vCPU, 56 GiB, 1 T4 per replica, billed per second, scale to
// zero), the cheapest tiers, short retention. infra/deploy.sh sets the environment variables read here.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'dimaskdino-dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param gpu = {
  workloadProfileType: 'Consumption-GPU-NC8as-T4'
  cpu: 8
  memory: '56Gi'
}
param workerImage = readEnvironmentVariable('WORKER_IMAGE', '')
param trainingImage = readEnvironmentVariable('TRAINING_IMAGE', '')
param deployerPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param deployerPrincipalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
param workerMaxReplicas = 4
param shardMessagesPerReplica = 2
param storageSkuName = 'Standard_LRS'
param serviceBusSkuName = 'Standard'
param registrySkuName = 'Basic'
param jobRetentionDays = 14
param softDeleteRetentionDays = 7
param logRetentionDays = 30
param hardened = false
