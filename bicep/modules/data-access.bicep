// Role assignments of one principal on the data plane: blob roles scoped to single containers of the data
// account, Service Bus roles scoped to single queues, and Storage queue roles scoped to single queues of the data
// account. Nothing here is granted at account, namespace, resource-group or subscription scope; what each
// principal gets is listed in main.bicep's access matrix.

import { accessGrants, builtInRoles } from 'definitions.bicep'

metadata description = 'Container- and queue-scoped role assignments for one principal.'

@description('Required. Name of the data storage account (in this resource group).')
param storageAccountName string

@description('Required. Name of the Service Bus namespace (in this resource group).')
param serviceBusNamespaceName string

@description('Optional. Name of the user-assigned identity (in this resource group) that receives the roles; set this or principalId.')
param identityName string = ''

@description('Optional. Object id of a principal that is not one of our identities (the deploying user); set this or identityName.')
param principalId string = ''

@description('Optional. Kind of principal given by principalId (a managed identity is always a ServicePrincipal).')
@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string = 'ServicePrincipal'

@description('Required. A short name of the principal, written into each assignment\'s description.')
param principalLabel string

@description('Required. The roles to grant, each on one container or one queue.')
param grants accessGrants

var usesIdentity = !empty(identityName)

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = if (usesIdentity) {
  name: identityName
}

// The assignment's principal, and a value known when the deployment starts that stands for it in the assignment
// name (the identity's resource id; a principal's object id).
var assignee = usesIdentity ? identity!.properties.principalId : principalId
var assigneeKey = usesIdentity ? identity.id : principalId
var assigneeType = usesIdentity ? 'ServicePrincipal' : principalType

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }
}

resource storageQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-09-01' existing = [
  for grant in grants.storageQueues: {
    parent: account::queueService
    name: grant.queue
  }
]

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' existing = [
  for grant in grants.blobs: {
    parent: account::blobService
    name: grant.container
  }
]

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' existing = [
  for grant in grants.queues: {
    parent: namespace
    name: grant.queue
  }
]

resource blobAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (grant, i) in grants.blobs: {
    name: guid(containers[i].id, assigneeKey, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role]))
    scope: containers[i]
    properties: {
      principalId: assignee
      principalType: assigneeType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
      description: '${principalLabel}: ${grant.role} on container ${grant.container}'
    }
  }
]

resource queueAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (grant, i) in grants.queues: {
    name: guid(queues[i].id, assigneeKey, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role]))
    scope: queues[i]
    properties: {
      principalId: assignee
      principalType: assigneeType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
      description: '${principalLabel}: ${grant.role} on queue ${grant.queue}'
    }
  }
]

resource storageQueueAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (grant, i) in grants.storageQueues: {
    name: guid(storageQueues[i].id, assigneeKey, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role]))
    scope: storageQueues[i]
    properties: {
      principalId: assignee
      principalType: assigneeType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles[grant.role])
      description: '${principalLabel}: ${grant.role} on storage queue ${grant.queue}'
    }
  }
]
