// prod: serverless A100 GPUs (Consumption-GPU-NC24-A100: 24 vCPU, 220 GiB, 1 A100 80 GB per replica, billed per
// second, scale to zero), zone-redundant data, longer retention. For steady load, a dedicated profile
// (workloadProfileType 'NC24-A100' with dedicatedNodes) bills per node instead. Hardened: the data plane is private
// (storage, Service Bus and the registry behind private endpoints, Premium tiers) and everything sends diagnostics.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'dimaskdino-prod')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')
param gpu = {
  workloadProfileType: 'Consumption-GPU-NC24-A100'
  cpu: 24
  memory: '220Gi'
}
param workerImage = readEnvironmentVariable('WORKER_IMAGE', '')
param trainingImage = readEnvironmentVariable('TRAINING_IMAGE', '')
param deployerPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param deployerPrincipalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')
param workerMaxReplicas = 20
param shardMessagesPerReplica = 4
param functionsMaximumInstanceCount = 100
param storageSkuName = 'Standard_ZRS'
param hardened = true
param serviceBusSkuName = 'Premium'
param registrySkuName = 'Premium'
param jobRetentionDays = 90
param softDeleteRetentionDays = 30
param logRetentionDays = 90
