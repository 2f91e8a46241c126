// The container registry for the worker and training images. No admin user and no anonymous pull: the worker and
// the training job pull with their managed identities (AcrPull, scoped to this registry); `az acr build` pushes
// as the deploying user.

import { allLogs, allMetrics, builtInRoles, diagnosticSettingName } from 'definitions.bicep'

metadata description = 'Azure Container Registry with identity-only pulls.'

@description('Required. Globally unique registry name (5-50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Required. Azure region.')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Optional. Basic is enough for a few images; Premium adds geo-replication and private endpoints.')
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param skuName string = 'Basic'

@description('Required. Names of the user-assigned identities (in this resource group) that may pull images.')
param pullIdentityNames string[]

@description('Optional. Close the public endpoint: pulls and pushes go through a private endpoint (Premium only).')
param privateOnly bool = false

@description('Optional. Resource id of the Log Analytics workspace that receives the registry\'s logs and metrics; empty for none.')
param diagnosticsWorkspaceId string = ''

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
  }
}

resource pullIdentities 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = [
  for identityName in pullIdentityNames: {
    name: identityName
  }
]

resource pullAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (identityName, i) in pullIdentityNames: {
    name: guid(registry.id, pullIdentities[i].id, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.AcrPull))
    scope: registry
    properties: {
      principalId: pullIdentities[i].properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.AcrPull)
      description: 'Pull images for the worker or the training job'
    }
  }
]

// 2021-05-01-preview is the newest diagnosticSettings schema (see container-environment.bicep).
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: registry
  properties: {
    workspaceId: diagnosticsWorkspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

@description('Name of the registry.')
output name string = registry.name

@description('Login server, e.g. {name}.azurecr.io.')
output loginServer string = registry.properties.loginServer
