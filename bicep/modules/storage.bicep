// The data account of system.md ("Storage layout"): one container per concern, no public access, no shared keys
// (Entra ID only), TLS 1.2, soft delete for blobs and containers, and a lifecycle rule that deletes old job
// folders. Also the Storage queue the Functions blob trigger writes poison notices to.

import { allLogs, dataContainer, diagnosticSettingName, storageMetrics } from 'definitions.bicep'

metadata description = 'Data storage account: images, models, datasets, jobs, labels, reports.'

@description('Required. Globally unique account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region of the account.')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Optional. Replication: LRS for dev, ZRS where the region offers it.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

@description('Optional. Days a deleted blob or container can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

@description('Optional. Close the public endpoint: the account is reached only through private endpoints (network.bicep).')
param privateOnly bool = false

@description('Optional. Resource id of the Log Analytics workspace that receives the account\'s logs and metrics; empty for none.')
param diagnosticsWorkspaceId string = ''

@description('Optional. Job folders (jobs/{jobId}/...) older than this many days since their last write are deleted; labels and reports stay.')
@minValue(1)
@maxValue(3650)
param jobRetentionDays int = 30

// The containers of system.md, in its order.
var containers dataContainer[] = [
  'images'
  'models'
  'datasets'
  'jobs'
  'labels'
  'reports'
]

// The Functions blob extension writes a notice here after the last failed try of a blob-triggered function.
var blobTriggerPoisonQueue = 'webjobs-blobtrigger-poison'

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  kind: 'StorageV2'
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateOnly ? 'Deny' : 'Allow'
    }
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: false
      services: {
        blob: { enabled: true, keyType: 'Account' }
        queue: { enabled: true, keyType: 'Account' }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = [
  for container in containers: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-09-01' = {
  parent: account
  name: 'default'
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-09-01' = {
  parent: queueService
  name: blobTriggerPoisonQueue
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-old-job-folders'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'jobs/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: jobRetentionDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    blobContainers
  ]
}

// 2021-05-01-preview is the newest diagnosticSettings schema (see container-environment.bicep).
#disable-next-line use-recent-api-versions
resource accountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: account
  properties: {
    workspaceId: diagnosticsWorkspaceId
    metrics: storageMetrics
  }
}

#disable-next-line use-recent-api-versions
resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: blobService
  properties: {
    workspaceId: diagnosticsWorkspaceId
    logs: allLogs
    metrics: storageMetrics
  }
}

#disable-next-line use-recent-api-versions
resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: queueService
  properties: {
    workspaceId: diagnosticsWorkspaceId
    logs: allLogs
    metrics: storageMetrics
  }
}

@description('Resource id of the account.')
output resourceId string = account.id

@description('Name of the account.')
output name string = account.name

@description('Blob endpoint, e.g. https://{account}.blob.core.windows.net/.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue endpoint.')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('Name of the Storage queue the Functions blob trigger reports poison blobs to.')
output blobTriggerPoisonQueueName string = poisonQueue.name
