// One user-assigned managed identity per workload, so each gets only the roles it needs (main.bicep's access
// matrix). The KEDA scaler has its own identity: reading a queue's length needs the Manage claim (Azure Service Bus
// Data Owner), which the worker's own identity must not hold.

import { identityInfo } from 'definitions.bicep'

metadata description = 'User-assigned managed identities: functions (control plane), worker, training, scaler (KEDA).'

@description('Required. Azure region of the identities.')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Required. Name of the control plane (Functions) identity.')
param functionsName string

@description('Required. Name of the GPU shard worker identity.')
param workerName string

@description('Required. Name of the training job identity.')
param trainingName string

@description('Required. Name of the identity the worker\'s KEDA scale rules use to read queue lengths.')
param scalerName string

resource functions 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: functionsName
  location: location
  tags: tags
}

resource worker 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: workerName
  location: location
  tags: tags
}

resource training 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: trainingName
  location: location
  tags: tags
}

resource scaler 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: scalerName
  location: location
  tags: tags
}

@description('The control plane identity: resource id, principal id, client id.')
output functions identityInfo = { resourceId: functions.id, principalId: functions.properties.principalId, clientId: functions.properties.clientId }

@description('The worker identity.')
output worker identityInfo = { resourceId: worker.id, principalId: worker.properties.principalId, clientId: worker.properties.clientId }

@description('The training job identity.')
output training identityInfo = { resourceId: training.id, principalId: training.properties.principalId, clientId: training.properties.clientId }

@description('The KEDA scaler identity.')
output scaler identityInfo = { resourceId: scaler.id, principalId: scaler.properties.principalId, clientId: scaler.properties.clientId }
