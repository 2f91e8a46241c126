// The Event Grid system topic of the data account. On Flex Consumption the Functions blob trigger only supports
// the Event Grid source (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#considerations), so
// `images/{dataset}/_label.json` and `models/{name}.onnx` reach the control plane as BlobCreated events. The
// subscriptions point at the Functions blob extension's webhook, which exists only after the app code is deployed
// and needs the extension's system key: infra/deploy.sh creates them then, so no key passes through a template.

import { allLogs, allMetrics, diagnosticSettingName } from 'definitions.bicep'

metadata description = 'Event Grid system topic on the data storage account.'

@description('Required. Name of the system topic.')
param name string

@description('Required. Azure region (the storage account\'s).')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Required. Name of the data storage account (in this resource group).')
param storageAccountName string

@description('Optional. Resource id of the Log Analytics workspace that receives the topic\'s logs and metrics; empty for none.')
param diagnosticsWorkspaceId string = ''

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// 2021-05-01-preview is the newest diagnosticSettings schema (see container-environment.bicep).
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: topic
  properties: {
    workspaceId: diagnosticsWorkspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

@description('Name of the system topic.')
output name string = topic.name
