// The control plane (src/DiMaskDino.Functions, .NET isolated worker) on a Flex Consumption plan: HTTP API, blob
// triggers (Event Grid source) and the timer janitor. Identity-based everything: the host storage
// (AzureWebJobsStorage__*), the deployment package (user-assigned identity), the data account (Storage__*) and
// Service Bus (ServiceBus__*). No connection string, key or SAS is set; basic-auth publishing is off.

import { allLogs, allMetrics, diagnosticSettingName, envVar, identityInfo } from 'definitions.bicep'

metadata description = 'Functions app (Flex Consumption) for the control plane.'

@description('Required. Name of the function app (also its host name).')
@minLength(2)
@maxLength(60)
param name string

@description('Required. Name of the Flex Consumption plan.')
param planName string

@description('Required. Azure region (one that offers Flex Consumption).')
param location string

@description('Required. Tags for the plan.')
param tags object

@description('Required. Tags for the app (carry azd-service-name).')
param appTags object

@description('Required. The control plane identity.')
param identity identityInfo

@description('Required. Blob endpoint of the host storage account.')
param hostBlobEndpoint string

@description('Required. Queue endpoint of the host storage account.')
param hostQueueEndpoint string

@description('Required. URL of the deployment package container in the host storage account.')
param deploymentContainerUrl string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string

@description('Required. Settings of the configuration contract (data account, Service Bus, pipeline).')
param settings envVar[]

@description('Optional. Most instances the app scales out to (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Optional. Memory of one instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Optional. Subnet (delegated to Microsoft.App/environments) the app\'s outbound traffic goes through, to reach private endpoints; empty for none.')
param virtualNetworkSubnetId string = ''

@description('Optional. Resource id of the Log Analytics workspace that receives the app\'s and the plan\'s logs and metrics; empty for none.')
param diagnosticsWorkspaceId string = ''

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

var hostStorageSettings = [
  { name: 'AzureWebJobsStorage__blobServiceUri', value: hostBlobEndpoint }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: hostQueueEndpoint }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.clientId }
]

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: appTags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.resourceId}': {}
    }
  }
  properties: union(empty(virtualNetworkSubnetId) ? {} : { virtualNetworkSubnetId: virtualNetworkSubnetId }, {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: concat(hostStorageSettings, settings, [
        // Workspace-based Application Insights; its connection string identifies the ingestion endpoint and is not
        // a credential (https://learn.microsoft.com/azure/azure-monitor/app/connection-strings).
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
      ])
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.resourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  })
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

// 2021-05-01-preview is the newest diagnosticSettings schema (see container-environment.bicep).
#disable-next-line use-recent-api-versions
resource appDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: app
  properties: {
    workspaceId: diagnosticsWorkspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

#disable-next-line use-recent-api-versions
resource planDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: plan
  properties: {
    workspaceId: diagnosticsWorkspaceId
    metrics: allMetrics
  }
}

@description('Name of the function app.')
output name string = app.name

@description('Default host name, e.g. {name}.azurewebsites.net.')
output defaultHostName string = app.properties.defaultHostName
