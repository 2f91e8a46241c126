// Hardened deployments only: the virtual network the data plane lives in. Storage (both accounts, blob and queue),
// Service Bus and the registry are reached through private endpoints whose names resolve through private DNS zones
// linked to this network; the Container Apps environment and the Functions app are integrated into their own
// subnets, and the registry builds images on an agent pool inside the network (its public endpoint is closed).

import { allLogs, allMetrics, diagnosticSettingName } from 'definitions.bicep'

metadata description = 'Virtual network, private DNS zones and private endpoints for storage, Service Bus and the registry.'

@description('Required. Name of the virtual network.')
param name string

@description('Required. Azure region.')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Optional. Address space of the network; the subnets are carved from its first /21.')
param addressPrefix string = '10.40.0.0/16'

@description('Required. Names of the storage accounts (in this resource group) reached through blob and queue endpoints.')
param storageAccountNames string[]

@description('Required. Name of the Service Bus namespace (Premium: private endpoints need it).')
param serviceBusNamespaceName string

@description('Required. Name of the container registry (Premium: private endpoints need it).')
param registryName string

@description('Required. Resource id of the Log Analytics workspace that receives the network\'s diagnostics.')
param logAnalyticsWorkspaceId string

@description('Optional. Name of the registry\'s agent pool that builds images inside the network.')
param buildAgentPoolName string = 'vnet-builds'

// Container Apps (workload profiles) needs at least a /27 and Flex Consumption its own delegated subnet; both are
// delegated to Microsoft.App/environments. Private endpoints and the registry's build agents need no delegation.
var subnets = {
  containerApps: {
    name: 'container-apps'
    prefix: cidrSubnet(addressPrefix, 23, 0)
    delegation: 'Microsoft.App/environments'
  }
  functions: {
    name: 'functions'
    prefix: cidrSubnet(addressPrefix, 24, 2)
    delegation: 'Microsoft.App/environments'
  }
  privateEndpoints: {
    name: 'private-endpoints'
    prefix: cidrSubnet(addressPrefix, 24, 3)
    delegation: ''
  }
  registryBuilds: {
    name: 'registry-builds'
    prefix: cidrSubnet(addressPrefix, 24, 4)
    delegation: ''
  }
}

// Private DNS zone per private-link sub-resource (https://learn.microsoft.com/azure/private-link/private-endpoint-dns).
var zones = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  namespace: 'privatelink.servicebus.windows.net'
  registry: 'privatelink${environment().suffixes.acrLoginServer}'
}

var storageEndpoints = flatten(map(storageAccountNames, account => [
  {
    name: '${account}-blob'
    type: 'Microsoft.Storage/storageAccounts'
    resourceName: account
    groupId: 'blob'
  }
  {
    name: '${account}-queue'
    type: 'Microsoft.Storage/storageAccounts'
    resourceName: account
    groupId: 'queue'
  }
]))

var endpoints = concat(storageEndpoints, [
  {
    name: serviceBusNamespaceName
    type: 'Microsoft.ServiceBus/namespaces'
    resourceName: serviceBusNamespaceName
    groupId: 'namespace'
  }
  {
    name: registryName
    type: 'Microsoft.ContainerRegistry/registries'
    resourceName: registryName
    groupId: 'registry'
  }
])

resource network 'Microsoft.Network/virtualNetworks@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      for subnet in items(subnets): {
        name: subnet.value.name
        properties: {
          addressPrefix: subnet.value.prefix
          privateEndpointNetworkPolicies: 'Disabled'
          delegations: empty(subnet.value.delegation)
            ? []
            : [
                {
                  name: subnet.value.delegation
                  properties: {
                    serviceName: subnet.value.delegation
                  }
                }
              ]
        }
      }
    ]
  }
}

resource dnsZones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(zones): {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource dnsLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in items(zones): {
    parent: dnsZones[i]
    name: name
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: network.id
      }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2025-05-01' = [
  for endpoint in endpoints: {
    name: 'pe-${endpoint.name}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: resourceId('Microsoft.Network/virtualNetworks/subnets', network.name, subnets.privateEndpoints.name)
      }
      privateLinkServiceConnections: [
        {
          name: endpoint.name
          properties: {
            privateLinkServiceId: resourceId(endpoint.type, endpoint.resourceName)
            groupIds: [
              endpoint.groupId
            ]
          }
        }
      ]
    }
  }
]

resource dnsZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-05-01' = [
  for (endpoint, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: endpoint.groupId
          properties: {
            privateDnsZoneId: resourceId('Microsoft.Network/privateDnsZones', zones[endpoint.groupId])
          }
        }
      ]
    }
  }
]

resource registry 'Microsoft.ContainerRegistry/registries@2025-11-01' existing = {
  name: registryName
}

// `az acr build` runs on ACR Tasks agents, which cannot reach a registry whose public endpoint is closed; this pool
// runs them inside the network (infra/deploy.sh passes --agent-pool and scales it to one agent only while building).
resource buildAgents 'Microsoft.ContainerRegistry/registries/agentPools@2025-03-01-preview' = {
  parent: registry
  name: buildAgentPoolName
  location: location
  tags: tags
  properties: {
    count: 0
    tier: 'S1'
    os: 'Linux'
    virtualNetworkSubnetResourceId: resourceId('Microsoft.Network/virtualNetworks/subnets', network.name, subnets.registryBuilds.name)
  }
}

// 2021-05-01-preview is the newest diagnosticSettings schema (see container-environment.bicep).
#disable-next-line use-recent-api-versions
resource networkDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: diagnosticSettingName
  scope: network
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: allLogs
    metrics: allMetrics
  }
}

#disable-next-line use-recent-api-versions
resource endpointDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = [
  for (endpoint, i) in endpoints: {
    name: diagnosticSettingName
    scope: privateEndpoints[i]
    properties: {
      workspaceId: logAnalyticsWorkspaceId
      metrics: allMetrics
    }
  }
]

@description('Subnet of the Container Apps environment.')
output containerAppsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', network.name, subnets.containerApps.name)

@description('Subnet the Functions app is integrated into.')
output functionsSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', network.name, subnets.functions.name)

@description('Name of the registry\'s build agent pool inside the network.')
output buildAgentPoolName string = buildAgents.name
