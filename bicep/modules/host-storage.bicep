// The Functions host's own storage account (AzureWebJobsStorage: keys, timer locks, blob-trigger bookkeeping) and
// the Flex Consumption deployment package container. Kept apart from the data account because the host needs
// Storage Blob Data Owner on its storage account (Functions docs, "Connecting to host storage with an identity"):
// granting that on the data account would give the control plane ownership of every user's images and labels.
// Same hardening as the data account: no public access, no shared keys, TLS 1.2.

import { allLogs, builtInRoles, diagnosticSettingName, storageMetrics } from 'definitions.bicep'

metadata description = 'Functions host storage and deployment package container (identity-based).'

@description('Required. Globally unique account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Required. Azure region of the account.')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Required. Name of the Functions app identity (in this resource group), the only principal given roles here.')
param hostIdentityName string

@description('Optional. Days a deleted blob or container can be restored.')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int = 7

@description('Optional. Close the public endpoint: the account is reached only through private endpoints (network.bicep).')
param privateOnly bool = false

@description('Optional. Resource id of the Log Analytics workspace that receives the account\'s logs and metrics; empty for none.')
param diagnosticsWorkspaceId string = ''

var deploymentContainerName = 'app-package'

// The host reads and writes its own containers (azure-webjobs-hosts, azure-webjobs-secrets, the deployment
// package) and the blob extension's queues: account-wide roles on an account that holds nothing else.
var hostRoles = [
  'Storage Blob Data Owner'
  'Storage Queue Data Contributor'
]

resource hostIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: hostIdentityName
}

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard_LRS'
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

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-09-01' = if (!empty(diagnosticsWorkspaceId)) {
  parent: account
  name: 'default'
}

resource hostRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in hostRoles: {
    name: guid(account.id, hostIdentity.id, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[role]))
    scope: account
    properties: {
      principalId: hostIdentity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[role])
      description: 'Functions host storage: ${role}'
    }
  }
]

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

@description('Name of the account.')
output name string = account.name

@description('Blob endpoint.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue endpoint.')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('URL of the container Flex Consumption deploys the app package from.')
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
