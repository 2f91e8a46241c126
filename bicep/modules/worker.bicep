// The GPU shard worker (src/DiMaskDino.Worker): a Container App on the GPU workload profile that scales from zero
// on the length of the `shards` queue (and wakes for `finalize`), via KEDA's azure-servicebus scaler authenticated
// with the scaler identity. No ingress: the worker only pulls from Service Bus; the probes reach it on port 8080
// inside the environment.

import { allMetrics, diagnosticSettingName, envVar, identityInfo, pipelineQueue } from 'definitions.bicep'

metadata description = 'Shard worker container app (GPU, scale to zero on the shards queue).'

@description('Required. Name of the container app.')
@minLength(2)
@maxLength(32)
param name string

@description('Required. Azure region.')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Required. Resource id of the Container Apps environment.')
param environmentId string

@description('Required. Name of the GPU workload profile in that environment.')
param workloadProfileName string

@description('Required. vCPUs of one replica (the GPU profile fixes it: 8 for T4, 24 for A100).')
@minValue(1)
@maxValue(24)
param cpu int

@description('Required. Memory of one replica (the GPU profile fixes it: 56Gi for T4, 220Gi for A100).')
param memory string

@description('Required. Image reference, e.g. {registry}.azurecr.io/dimaskdino-worker:{tag}.')
param image string

@description('Required. Login server of the registry the image is pulled from with the worker identity.')
param registryServer string

@description('Required. The worker\'s own identity (storage, Service Bus send/receive, image pull).')
param workerIdentity identityInfo

@description('Required. The identity KEDA uses to read queue lengths (Service Bus Data Owner on the two queues).')
param scalerIdentity identityInfo

@description('Required. Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Required. Environment variables shared with the other hosts (the configuration contract).')
param settings envVar[]

@description('Required. Name of the Application Insights component telemetry is sent to.')
param applicationInsightsName string

@description('Optional. Upper bound of GPU replicas (serverless GPU quota applies per subscription and region).')
@minValue(1)
@maxValue(100)
param maxReplicas int = 10

@description('Optional. Shard messages per replica the scaler aims for.')
@minValue(1)
@maxValue(100)
param shardMessagesPerReplica int = 2

@description('Optional. Resource id of the Log Analytics workspace that receives the app\'s metrics (its console logs go through the environment); empty for none.')
param diagnosticsWorkspaceId string = ''

// The worker serves its probes here (Worker__HealthPort) and stops within Worker__ShutdownTimeout (30 s) of SIGTERM:
// the grace period leaves it room to abandon the shard in hand rather than be killed mid-write.
var healthPort = 8080
var terminationGracePeriodSeconds = 60

var shardQueue pipelineQueue = 'shards'
var finalizeQueue pipelineQueue = 'finalize'

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource worker 'Microsoft.App/containerApps@2026-07-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${workerIdentity.resourceId}': {}
      '${scalerIdentity.resourceId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      registries: [
        {
          server: registryServer
          identity: workerIdentity.resourceId
        }
      ]
      secrets: [
        {
          name: 'appinsights-connection-string'
          value: applicationInsights.properties.ConnectionString
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'worker'
          image: image
          resources: {
            cpu: cpu
            memory: memory
          }
          env: concat(settings, [
            {
              name: 'Worker__HealthPort'
              value: string(healthPort)
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              secretRef: 'appinsights-connection-string'
            }
          ])
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: healthPort
              }
              periodSeconds: 30
              failureThreshold: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/readyz'
                port: healthPort
              }
              periodSeconds: 10
              failureThreshold: 3
            }
            {
              // Model download and CUDA start-up take a while on a cold GPU replica.
              type: 'Startup'
              httpGet: {
                path: '/healthz'
                port: healthPort
              }
              periodSeconds: 10
              failureThreshold: 30
            }
          ]
        }
      ]
      terminationGracePeriodSeconds: terminationGracePeriodSeconds
      scale: {
        minReplicas: 0
        maxReplicas: maxReplicas
        cooldownPeriod: 300
        pollingInterval: 30
        rules: [
          {
            name: 'shards-queue'
            custom: {
              type: 'azure-servicebus'
              identity: scalerIdentity.resourceId
              metadata: {
                namespace: serviceBusNamespaceName
                queueName: shardQueue
                messageCount: string(shardMessagesPerReplica)
              }
            }
          }
          {
            // Finalize messages are few; this only wakes one replica when a finalize waits and no shard does.
            name: 'finalize-queue'
            custom: {
              type: 'azure-servicebus'
              identity: scalerIdentity.resourceId
              metadata: {
                namespace: serviceBusNamespaceName
                queueName: finalizeQueue
                messageCount: '1'
              }
            }
          }
        ]
      }
    }
  }
}

// 2021-05-01-preview is the newest diagnosticSettings schema (see container-environment.bicep).
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId)) {
  name: diagnosticSettingName
  scope: worker
  properties: {
    workspaceId: diagnosticsWorkspaceId
    metrics: allMetrics
  }
}

@description('Name of the worker container app.')
output name string = worker.name
