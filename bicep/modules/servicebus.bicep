// The pipeline's queues (system.md, "Flow"): `shards` (one message per shard, id {jobId}:{shard}) and `finalize`.
// Entra ID only (local SAS auth disabled), duplicate detection so a re-sent shard message is dropped by the broker,
// dead-lettering after the max delivery count (the janitor marks those shards failed), lock long enough for one
// shard (the worker's processor renews it).

import { allLogs, allMetrics, diagnosticSettingName, pipelineQueue } from 'definitions.bicep'

metadata description = 'Service Bus namespace with the shards and finalize queues.'

@description('Required. Globally unique namespace name (6-50 characters).')
@minLength(6)
@maxLength(50)
param name string

@description('Required. Azure region of the namespace.')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Optional. Standard is enough for duplicate detection and dead-lettering; Premium for isolation, larger messages and private endpoints.')
@allowed([
  'Standard'
  'Premium'
])
param skuName string = 'Standard'

@description('Optional. Deliveries before a message is dead-lettered; must match the hosts\' Pipeline__MaxDeliveryCount.')
@minValue(1)
@maxValue(20)
param maxDeliveryCount int = 5

@description('Optional. Close the public endpoint: the namespace is reached only through a private endpoint (Premium only).')
param privateOnly bool = false

@description('Optional. Resource id of the Log Analytics workspace that receives the namespace\'s logs and metrics; empty for none.')
param diagnosticsWorkspaceId string = ''

var queues pipelineQueue[] = [
  'shards'
  'finalize'
]

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  // Premium is sold in messaging units: one is the smallest.
  sku: skuName == 'Premium'
    ? {
        name: skuName
        tier: skuName
        capacity: 1
      }
    : {
        name: skuName
        tier: skuName
      }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
  }
}

resource pipelineQueues 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for queue in queues: {
    parent: namespace
    name: queue
    properties: {
      maxDeliveryCount: maxDeliveryCount
      lockDuration: 'PT5M'
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: 'P14D'
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: 'P1D'
      requiresSession: false
      enablePartitioning: false
      maxSizeInMegabytes: 1024
    }
  }
]

// 2021-05-01-preview is the newest diagnosticSettings schema (see container-environment.bicep).
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: namespace
  properties: {
    workspaceId: diagnosticsWorkspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

@description('Name of the namespace.')
output name string = namespace.name

@description('Fully qualified namespace, {name}.servicebus.windows.net (ServiceBus__fullyQualifiedNamespace).')
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
