// The training host (src/DiMaskDino.Training, `dimaskdino-train`) as a Container Apps job with a manual trigger on
// the GPU profile: it costs nothing until started (`az containerapp job start`), reads `datasets` and writes
// ONNX models to `models`, where a new model starts an evaluation job.
//
// A run reads its dataset from blob storage and publishes its model there (the container has no data of its own):
//   dimaskdino-train train --data-blob datasets/shapes/train --val-blob datasets/shapes/val --out runs/tiny-01 \
//     --preset tiny --device cuda --publish models/tiny-01.onnx
// `Storage__blobServiceUri` (below, from the settings) is the blob endpoint the command uses by default, and
// `AZURE_CLIENT_ID` makes DefaultAzureCredential use the training identity. `runArgs` sets those arguments in the job
// template, so `az containerapp job start` runs them; a per-execution override (`az containerapp job start --args ...`)
// replaces the whole template, so it must repeat the image and the environment variables.

import { envVar, identityInfo } from 'definitions.bicep'

metadata description = 'Training Container Apps job (manual trigger, GPU profile).'

@description('Required. Name of the job.')
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

@description('Required. vCPUs of the replica (fixed by the GPU profile).')
@minValue(1)
@maxValue(24)
param cpu int

@description('Required. Memory of the replica (fixed by the GPU profile).')
param memory string

@description('Required. Image reference, e.g. {registry}.azurecr.io/dimaskdino-training:{tag}.')
param image string

@description('Required. Login server of the registry the image is pulled from with the training identity.')
param registryServer string

@description('Required. The training job\'s identity (reads datasets, writes models, pulls the image).')
param trainingIdentity identityInfo

@description('Required. Environment variables (the configuration contract).')
param settings envVar[]

@description('Optional. Arguments of dimaskdino-train for every execution, e.g. [\'train\', \'--data-blob\', \'datasets/shapes/train\', \'--out\', \'runs/r1\', \'--publish\', \'models/r1.onnx\']; empty: the image\'s default (--help).')
param runArgs string[] = []

@description('Optional. Longest run of one execution in hours before it is stopped (checkpoints survive: --resume).')
@minValue(1)
@maxValue(72)
param maxRunHours int = 24

resource job 'Microsoft.App/jobs@2026-07-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${trainingIdentity.resourceId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      triggerType: 'Manual'
      replicaTimeout: maxRunHours * 3600
      replicaRetryLimit: 0
      manualTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
      }
      registries: [
        {
          server: registryServer
          identity: trainingIdentity.resourceId
        }
      ]
    }
    template: {
      containers: [
        union(
          {
            name: 'training'
            image: image
            resources: {
              cpu: cpu
              memory: memory
            }
            env: settings
          },
          empty(runArgs) ? {} : { args: runArgs }
        )
      ]
    }
  }
}

@description('Name of the training job.')
output name string = job.name
