// Shared definitions imported by main.bicep and the modules (compile-time imports; this file deploys nothing):
// the built-in roles we grant, by name, and the closed sets of names the storage layout and queues use
// (shared/design/system.md).

metadata description = 'Shared types and the built-in role map for the DiMaskDino.Batch deployment.'

// ---------------------------------------------------------------------------------------------------------------
// Built-in roles (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). Only the roles this
// deployment grants are listed; a role assignment names its role here, never by a bare GUID.
// ---------------------------------------------------------------------------------------------------------------

@export()
@description('Name to role-definition GUID of every built-in role this deployment grants.')
var builtInRoles = {
  'Storage Blob Data Reader': '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  'Azure Service Bus Data Owner': '090c5cfd-751d-490a-894a-3ce6f1109419'
  AcrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

// ---------------------------------------------------------------------------------------------------------------
// Diagnostics (hardened deployments): every resource that emits resource logs or platform metrics sends them to the
// Log Analytics workspace through one diagnostic setting of this name.
// ---------------------------------------------------------------------------------------------------------------

@export()
@description('Name of the diagnostic setting every module creates when given a workspace.')
var diagnosticSettingName = 'to-log-analytics'

@export()
@description('Every resource log category of a resource (the category group Azure Monitor keeps current).')
var allLogs = [
  {
    categoryGroup: 'allLogs'
    enabled: true
  }
]

@export()
@description('The exportable metrics of a storage account and of its blob and queue services (capacity is not exportable).')
var storageMetrics = [
  {
    category: 'Transaction'
    enabled: true
  }
]

@export()
@description('Every platform metric of a resource.')
var allMetrics = [
  {
    category: 'AllMetrics'
    enabled: true
  }
]

// ---------------------------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------------------------

@export()
@description('The configuration contract (shared by the hosts and this deployment) for one host identity.')
func hostSettings(
  blobEndpoint string,
  queueEndpoint string,
  serviceBusNamespace string,
  clientId string,
  deliveries int,
  dataset string,
  provider string
) envVar[] => [
  { name: 'Storage__blobServiceUri', value: blobEndpoint }
  { name: 'Storage__queueServiceUri', value: queueEndpoint }
  { name: 'Storage__credential', value: 'managedidentity' }
  { name: 'Storage__clientId', value: clientId }
  { name: 'ServiceBus__fullyQualifiedNamespace', value: serviceBusNamespace }
  { name: 'ServiceBus__clientId', value: clientId }
  { name: 'Pipeline__QueueKind', value: 'ServiceBus' }
  { name: 'Pipeline__ShardQueue', value: 'shards' }
  { name: 'Pipeline__FinalizeQueue', value: 'finalize' }
  { name: 'Pipeline__MaxDeliveryCount', value: string(deliveries) }
  { name: 'Evaluation__Dataset', value: dataset }
  { name: 'Inference__PreferredProvider', value: provider }
  { name: 'AZURE_CLIENT_ID', value: clientId }
]

// ---------------------------------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------------------------------

@export()
@description('A container of the data storage account (system.md, "Storage layout").')
type dataContainer = 'images' | 'models' | 'datasets' | 'jobs' | 'labels' | 'reports'

@export()
@description('A Service Bus queue of the pipeline.')
type pipelineQueue = 'shards' | 'finalize'

@export()
@description('A data-plane role on blob containers. Owner is deliberately absent: nobody owns data containers.')
type blobRole = 'Storage Blob Data Reader' | 'Storage Blob Data Contributor'

@export()
@description('A data-plane role on a Service Bus queue.')
type queueRole = 'Azure Service Bus Data Receiver' | 'Azure Service Bus Data Sender' | 'Azure Service Bus Data Owner'

@export()
@description('One blob role on one container of the data account.')
type blobGrant = {
  @description('Required. The container the role is scoped to.')
  container: dataContainer

  @description('Required. The built-in role, by name.')
  role: blobRole
}

@export()
@description('One role on one Service Bus queue.')
type queueGrant = {
  @description('Required. The queue the role is scoped to.')
  queue: pipelineQueue

  @description('Required. The built-in role, by name.')
  role: queueRole
}

@export()
@description('A Storage queue of the data account: only the Functions blob extension\'s poison queue exists there.')
type storageQueue = 'webjobs-blobtrigger-poison'

@export()
@description('One role on one Storage queue of the data account.')
type storageQueueGrant = {
  @description('Required. The Storage queue the role is scoped to.')
  queue: storageQueue

  @description('Required. The built-in role, by name.')
  role: 'Storage Queue Data Contributor'
}

@export()
@description('Everything one principal may do on the data account and the Service Bus queues.')
type accessGrants = {
  @description('Required. Blob roles, each scoped to one container.')
  blobs: blobGrant[]

  @description('Required. Service Bus roles, each scoped to one queue.')
  queues: queueGrant[]

  @description('Required. Storage queue roles, each scoped to one queue of the data account.')
  storageQueues: storageQueueGrant[]
}

@export()
@description('A Container Apps GPU workload profile (https://learn.microsoft.com/azure/container-apps/workload-profiles-overview).')
type gpuProfile = {
  @description('Required. Workload profile type: serverless T4 or A100, or dedicated A100 nodes.')
  workloadProfileType: 'Consumption-GPU-NC8as-T4' | 'Consumption-GPU-NC24-A100' | 'NC24-A100'

  @description('Required. vCPUs given to one worker replica (the profile fixes what a GPU replica gets).')
  @minValue(1)
  @maxValue(24)
  cpu: int

  @description('Required. Memory of one worker replica, e.g. "56Gi".')
  memory: string

  @description('Optional. Dedicated profiles only: node count bounds.')
  dedicatedNodes: {
    @minValue(0)
    @maxValue(20)
    minimum: int

    @minValue(1)
    @maxValue(20)
    maximum: int
  }?
}

@export()
@description('What other modules need to know about a user-assigned identity.')
type identityInfo = {
  @description('Required. Resource id (for identity blocks and registry credentials).')
  resourceId: string

  @description('Required. Object id of the service principal (for role assignments).')
  principalId: string

  @description('Required. Application (client) id (for DefaultAzureCredential / AZURE_CLIENT_ID).')
  clientId: string
}

@export()
@description('A plain environment variable (never a secret: secrets are secretRefs added by the module).')
type envVar = {
  @description('Required. Variable name, e.g. Storage__blobServiceUri.')
  name: string

  @description('Required. Value.')
  value: string
}
