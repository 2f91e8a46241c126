// The Container Apps environment (workload profiles) with the GPU profile the worker and the training job run on.
// Logs go to Log Analytics through a diagnostic setting (destination azure-monitor), so the environment never
// holds the workspace's shared key.

import { gpuProfile } from 'definitions.bicep'

metadata description = 'Container Apps environment with a GPU workload profile.'

@description('Required. Name of the environment.')
param name string

@description('Required. Azure region (one that offers the chosen GPU profile).')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Required. The GPU workload profile.')
param gpu gpuProfile

@description('Required. Resource id of the Log Analytics workspace that receives console and system logs.')
param logAnalyticsWorkspaceId string

@description('Optional. Subnet (delegated to Microsoft.App/environments, /27 or larger) the environment is injected into, internal only, to reach private endpoints; empty for the generated network.')
param infrastructureSubnetId string = ''

@description('Name under which the GPU profile is referenced by apps and jobs.')
var gpuProfileName = 'gpu'

var isDedicated = !startsWith(gpu.workloadProfileType, 'Consumption')

resource environment 'Microsoft.App/managedEnvironments@2026-07-01' = {
  name: name
  location: location
  tags: tags
  properties: union(empty(infrastructureSubnetId) ? {} : {
    vnetConfiguration: {
      infrastructureSubnetId: infrastructureSubnetId
      // Nothing in the environment has ingress: no public load balancer.
      internal: true
    }
  }, {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    zoneRedundant: false
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      isDedicated
        ? {
            name: gpuProfileName
            workloadProfileType: gpu.workloadProfileType
            minimumCount: gpu.?dedicatedNodes.?minimum ?? 0
            maximumCount: gpu.?dedicatedNodes.?maximum ?? 1
          }
        : {
            name: gpuProfileName
            workloadProfileType: gpu.workloadProfileType
          }
    ]
  })
}

// 2021-05-01-preview is the newest diagnosticSettings schema; the linter's suggestion (2016-09-01) is an older,
// different resource shape (a 'service' singleton with a location) that cannot express this setting.
#disable-next-line use-recent-api-versions
resource logs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'ContainerAppConsoleLogs'
        enabled: true
      }
      {
        category: 'ContainerAppSystemLogs'
        enabled: true
      }
    ]
  }
}

@description('Resource id of the environment.')
output resourceId string = environment.id

@description('Name of the environment.')
output name string = environment.name

@description('Name of the GPU workload profile inside the environment.')
output gpuProfileName string = gpuProfileName
