// DiMaskDino.Batch in one deployment (subscription scope): a resource group with the data account, Service Bus
// queues, the Functions control plane, the GPU shard worker that scales from zero, the training job, the registry
// and monitoring. With `hardened` (prod) the data plane is private: storage, Service Bus and the registry behind
// private endpoints in a virtual network the Container Apps environment and the Functions app are integrated into,
// and every resource sends its logs and metrics to the Log Analytics workspace. Every workload has its own user-assigned identity with the roles of access.bicep and nothing
// else; no key, connection string or SAS is created, read or output. Deploy with infra/deploy.sh
// (README.md, "Deploy to Azure").

targetScope = 'subscription'

import { gpuProfile, hostSettings } from 'modules/definitions.bicep'
import { access } from 'access.bicep'

metadata description = 'DiMaskDino.Batch: serverless batch dataset labeler on Azure.'

@description('Required. Environment name (azd style), e.g. "dimaskdino-dev"; part of the resource group name and of the resource token.')
@minLength(1)
@maxLength(40)
param environmentName string

@description('Required. Azure region for every resource; it must offer the chosen GPU profile and Flex Consumption (e.g. swedencentral, westus3, australiaeast).')
param location string

@description('Required. The GPU workload profile of the worker and the training job.')
param gpu gpuProfile

@description('Optional. Resource group name; "rg-{environmentName}" when empty.')
@maxLength(90)
param resourceGroupName string = ''

@description('Optional. Worker image; a public placeholder until infra/deploy.sh has pushed the real one.')
param workerImage string = ''

@description('Optional. Training image; a public placeholder until infra/deploy.sh has pushed the real one.')
param trainingImage string = ''

@description('Optional. Arguments of every training job execution (dimaskdino-train train --data-blob ... --publish ...); empty: the image\'s default.')
param trainingArgs string[] = []

@description('Optional. Upper bound of GPU worker replicas.')
@minValue(1)
@maxValue(100)
param workerMaxReplicas int = 10

@description('Optional. Shard messages per worker replica the scaler aims for.')
@minValue(1)
@maxValue(100)
param shardMessagesPerReplica int = 2

@description('Optional. Most Functions instances (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param functionsMaximumInstanceCount int = 40

@description('Optional. Production hardening: storage, Service Bus and the registry only behind private endpoints in a virtual network (the Container Apps environment and the Functions app integrated into it; Service Bus and the registry then run on Premium, which private endpoints need) and diagnostic settings from every resource to the Log Analytics workspace.')
param hardened bool = false

@description('Optional. Address space of the virtual network of a hardened deployment.')
param networkAddressPrefix string = '10.40.0.0/16'

@description('Optional. Replication of the data account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Optional. Service Bus tier (Premium whatever is set here when hardened).')
@allowed([
  'Standard'
  'Premium'
])
param serviceBusSkuName string = 'Standard'

@description('Optional. Container registry tier (Premium whatever is set here when hardened).')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param registrySkuName string = 'Basic'

@description('Optional. Days after their last write that job folders (jobs/{jobId}/...) are deleted.')
@minValue(1)
@maxValue(3650)
param jobRetentionDays int = 30

@description('Optional. Days a deleted blob or container can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

@description('Optional. Days logs are kept.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Optional. Dataset under datasets/ that new models are evaluated on (Evaluation__Dataset).')
@minLength(1)
param evaluationDataset string = 'shapes-val'

@description('Optional. Object id of the person (or pipeline) deploying, given upload rights on images/models/datasets and read rights on labels/reports; empty for none.')
param deployerPrincipalId string = ''

@description('Optional. Kind of the deploying principal.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'dimaskdino-batch'
}

// Every name, known when the deployment starts (azd style: prefix + resource token).
var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  functionsIdentity: '${abbrs.managedIdentityUserAssignedIdentities}functions-${resourceToken}'
  workerIdentity: '${abbrs.managedIdentityUserAssignedIdentities}worker-${resourceToken}'
  trainingIdentity: '${abbrs.managedIdentityUserAssignedIdentities}training-${resourceToken}'
  scalerIdentity: '${abbrs.managedIdentityUserAssignedIdentities}scaler-${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: '${abbrs.insightsComponents}${resourceToken}'
  storage: '${abbrs.storageStorageAccounts}${resourceToken}'
  hostStorage: '${abbrs.storageStorageAccounts}${resourceToken}host'
  serviceBus: '${abbrs.serviceBusNamespaces}${resourceToken}'
  registry: '${abbrs.containerRegistryRegistries}${resourceToken}'
  eventGridTopic: '${abbrs.eventGridSystemTopics}${resourceToken}'
  environment: '${abbrs.appManagedEnvironments}${resourceToken}'
  worker: '${abbrs.appContainerApps}worker-${resourceToken}'
  training: '${abbrs.appContainerAppsJobs}train-${resourceToken}'
  functions: '${abbrs.webSitesFunctions}${resourceToken}'
  functionsPlan: '${abbrs.webServerFarms}${resourceToken}'
  network: '${abbrs.networkVirtualNetworks}${resourceToken}'
}

// Images until the real ones are pushed (min replicas 0 and a manual job: nothing runs them).
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'

// Deliveries before dead-lettering: the Service Bus queues and the hosts' Pipeline__MaxDeliveryCount agree.
var maxDeliveryCount = 5

// Private endpoints exist for Premium Service Bus namespaces and registries only.
var effectiveServiceBusSku = hardened ? 'Premium' : serviceBusSkuName
var effectiveRegistrySku = hardened ? 'Premium' : registrySkuName

// Where every module sends its diagnostics; empty (none) unless hardened. Known before the deployment starts (a
// condition in the modules), so the modules that use it depend on `monitoring` explicitly.
var diagnosticsWorkspaceId = hardened
  ? resourceId(subscription().subscriptionId, names.resourceGroup, 'Microsoft.OperationalInsights/workspaces', names.logAnalytics)
  : ''

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identities 'modules/identities.bicep' = {
  name: 'identities'
  scope: rg
  params: {
    location: location
    tags: tags
    functionsName: names.functionsIdentity
    workerName: names.workerIdentity
    trainingName: names.trainingIdentity
    scalerName: names.scalerIdentity
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    retentionInDays: logRetentionDays
    selfDiagnostics: hardened
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    skuName: storageSkuName
    softDeleteRetentionDays: softDeleteRetentionDays
    jobRetentionDays: jobRetentionDays
    privateOnly: hardened
    diagnosticsWorkspaceId: diagnosticsWorkspaceId
  }
  dependsOn: [
    monitoring
  ]
}

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: names.hostStorage
    location: location
    tags: tags
    hostIdentityName: names.functionsIdentity
    softDeleteRetentionDays: softDeleteRetentionDays
    privateOnly: hardened
    diagnosticsWorkspaceId: diagnosticsWorkspaceId
  }
  dependsOn: [
    monitoring
    identities
  ]
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    skuName: effectiveServiceBusSku
    maxDeliveryCount: maxDeliveryCount
    privateOnly: hardened
    diagnosticsWorkspaceId: diagnosticsWorkspaceId
  }
  dependsOn: [
    monitoring
  ]
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: names.registry
    location: location
    tags: tags
    skuName: effectiveRegistrySku
    pullIdentityNames: [
      names.workerIdentity
      names.trainingIdentity
    ]
    privateOnly: hardened
    diagnosticsWorkspaceId: diagnosticsWorkspaceId
  }
  dependsOn: [
    monitoring
    identities
  ]
}

module eventGrid 'modules/event-grid.bicep' = {
  name: 'event-grid'
  scope: rg
  params: {
    name: names.eventGridTopic
    location: location
    tags: tags
    storageAccountName: names.storage
    diagnosticsWorkspaceId: diagnosticsWorkspaceId
  }
  dependsOn: [
    monitoring
    storage
  ]
}

module functionsAccess 'modules/data-access.bicep' = {
  name: 'access-functions'
  scope: rg
  params: {
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    identityName: names.functionsIdentity
    principalLabel: 'functions'
    grants: access.functions
  }
  dependsOn: [
    identities
    storage
    serviceBus
  ]
}

module workerAccess 'modules/data-access.bicep' = {
  name: 'access-worker'
  scope: rg
  params: {
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    identityName: names.workerIdentity
    principalLabel: 'worker'
    grants: access.worker
  }
  dependsOn: [
    identities
    storage
    serviceBus
  ]
}

module trainingAccess 'modules/data-access.bicep' = {
  name: 'access-training'
  scope: rg
  params: {
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    identityName: names.trainingIdentity
    principalLabel: 'training'
    grants: access.training
  }
  dependsOn: [
    identities
    storage
    serviceBus
  ]
}

module scalerAccess 'modules/data-access.bicep' = {
  name: 'access-scaler'
  scope: rg
  params: {
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    identityName: names.scalerIdentity
    principalLabel: 'scaler'
    grants: access.scaler
  }
  dependsOn: [
    identities
    storage
    serviceBus
  ]
}

module deployerAccess 'modules/data-access.bicep' = if (!empty(deployerPrincipalId)) {
  name: 'access-deployer'
  scope: rg
  params: {
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    principalLabel: 'deployer'
    grants: access.deployer
  }
  dependsOn: [
    storage
    serviceBus
  ]
}

module network 'modules/network.bicep' = if (hardened) {
  name: 'network'
  scope: rg
  params: {
    name: names.network
    location: location
    tags: tags
    addressPrefix: networkAddressPrefix
    storageAccountNames: [
      names.storage
      names.hostStorage
    ]
    serviceBusNamespaceName: names.serviceBus
    registryName: names.registry
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
  dependsOn: [
    storage
    hostStorage
    serviceBus
    registry
  ]
}

module environment 'modules/container-environment.bicep' = {
  name: 'container-environment'
  scope: rg
  params: {
    name: names.environment
    location: location
    tags: tags
    gpu: gpu
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    infrastructureSubnetId: hardened ? network!.outputs.containerAppsSubnetId : ''
  }
}

module worker 'modules/worker.bicep' = {
  name: 'worker'
  scope: rg
  params: {
    name: names.worker
    location: location
    tags: union(tags, { 'azd-service-name': 'worker' })
    environmentId: environment.outputs.resourceId
    workloadProfileName: environment.outputs.gpuProfileName
    cpu: gpu.cpu
    memory: gpu.memory
    image: !empty(workerImage) ? workerImage : placeholderImage
    registryServer: registry.outputs.loginServer
    workerIdentity: identities.outputs.worker
    scalerIdentity: identities.outputs.scaler
    serviceBusNamespaceName: serviceBus.outputs.name
    applicationInsightsName: names.applicationInsights
    maxReplicas: workerMaxReplicas
    shardMessagesPerReplica: shardMessagesPerReplica
    diagnosticsWorkspaceId: diagnosticsWorkspaceId
    settings: hostSettings(
      storage.outputs.blobEndpoint,
      storage.outputs.queueEndpoint,
      serviceBus.outputs.fullyQualifiedNamespace,
      identities.outputs.worker.clientId,
      maxDeliveryCount,
      evaluationDataset,
      'Cuda'
    )
  }
  dependsOn: [
    workerAccess
    scalerAccess
  ]
}

module training 'modules/training-job.bicep' = {
  name: 'training'
  scope: rg
  params: {
    name: names.training
    location: location
    tags: union(tags, { 'azd-service-name': 'training' })
    environmentId: environment.outputs.resourceId
    workloadProfileName: environment.outputs.gpuProfileName
    cpu: gpu.cpu
    memory: gpu.memory
    image: !empty(trainingImage) ? trainingImage : placeholderImage
    registryServer: registry.outputs.loginServer
    trainingIdentity: identities.outputs.training
    runArgs: trainingArgs
    settings: [
      { name: 'Storage__blobServiceUri', value: storage.outputs.blobEndpoint }
      { name: 'Storage__credential', value: 'managedidentity' }
      { name: 'Storage__clientId', value: identities.outputs.training.clientId }
      { name: 'AZURE_CLIENT_ID', value: identities.outputs.training.clientId }
    ]
  }
  dependsOn: [
    trainingAccess
  ]
}

module functions 'modules/functions.bicep' = {
  name: 'functions'
  scope: rg
  params: {
    name: names.functions
    planName: names.functionsPlan
    location: location
    tags: tags
    appTags: union(tags, { 'azd-service-name': 'functions' })
    identity: identities.outputs.functions
    hostBlobEndpoint: hostStorage.outputs.blobEndpoint
    hostQueueEndpoint: hostStorage.outputs.queueEndpoint
    deploymentContainerUrl: hostStorage.outputs.deploymentContainerUrl
    applicationInsightsName: names.applicationInsights
    maximumInstanceCount: functionsMaximumInstanceCount
    virtualNetworkSubnetId: hardened ? network!.outputs.functionsSubnetId : ''
    diagnosticsWorkspaceId: diagnosticsWorkspaceId
    settings: hostSettings(
      storage.outputs.blobEndpoint,
      storage.outputs.queueEndpoint,
      serviceBus.outputs.fullyQualifiedNamespace,
      identities.outputs.functions.clientId,
      maxDeliveryCount,
      evaluationDataset,
      'Cpu'
    )
  }
  dependsOn: [
    functionsAccess
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs: names and endpoints for the next steps (infra/deploy.sh reads them). No keys, no connection strings.
// ---------------------------------------------------------------------------------------------------------------

@description('Resource group holding everything.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Region of every resource.')
output AZURE_LOCATION string = location

@description('Data storage account (containers images, models, datasets, jobs, labels, reports).')
output STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob endpoint of the data account.')
output STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint

@description('Service Bus namespace, fully qualified.')
output SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace

@description('Container registry name (for az acr build).')
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name

@description('Container registry login server.')
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer

@description('Function app name (for the zip deployment).')
output FUNCTIONS_APP_NAME string = functions.outputs.name

@description('Base URL of the jobs API (POST /api/jobs, GET /api/jobs/{id}).')
output JOBS_API_URL string = 'https://${functions.outputs.defaultHostName}/api/jobs'

@description('Worker container app name.')
output WORKER_APP_NAME string = worker.outputs.name

@description('Training Container Apps job name (az containerapp job start).')
output TRAINING_JOB_NAME string = training.outputs.name

@description('Event Grid system topic of the data account (blob-trigger subscriptions are added by infra/deploy.sh).')
output EVENTGRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name

@description('Container Apps environment name.')
output CONTAINER_APPS_ENVIRONMENT_NAME string = environment.outputs.name

@description('"true" when the data plane is private (storage, Service Bus and the registry only behind private endpoints), else "false".')
output NETWORK_ISOLATED string = hardened ? 'true' : 'false'

@description('Agent pool that builds images inside the virtual network (az acr build --agent-pool); empty when not hardened.')
output AZURE_CONTAINER_REGISTRY_AGENT_POOL string = hardened ? network!.outputs.buildAgentPoolName : ''

@description('Application Insights component name.')
output APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
