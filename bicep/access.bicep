// The access matrix: who may do what on the data plane (least privilege), imported by main.bicep. Blob roles are
// scoped to one container, queue roles to one queue (modules/data-access.bicep); registry pulls and the Functions
// host storage are granted in their own modules. Tests compare this table with the one in
// tests/DiMaskDino.Infra.Tests, so a widened grant fails the build.

import { accessGrants } from 'modules/definitions.bicep'

metadata description = 'Least-privilege access matrix of the DiMaskDino.Batch identities.'

// ---------------------------------------------------------------------------------------------------------------
// Who may do what (least privilege). Blob roles are scoped to one container, queue roles to one queue.
//   functions: plans jobs (lists images, reads models/datasets, writes jobs), answers a label request with
//              images/{dataset}/_label.status.json, records checkpoint evaluations and comparisons under reports/,
//              sends shard and finalize messages, reads and settles dead letters of both queues (janitor: that needs
//              the receive right), reads labels for job status, and reports blob-trigger poison notices.
//   worker:    processes shards and finalizes (reads images/models/datasets, writes jobs results, labels and
//              reports), receives from both queues and sends finalize messages.
//   training:  reads datasets, writes models.
//   scaler:    KEDA reads the two queues' lengths; that needs the Manage claim, i.e. Data Owner on those queues.
//   deployer:  the person deploying uploads images/models/datasets and reads results.
// ---------------------------------------------------------------------------------------------------------------
@export()
@description('The roles of each principal on the data account and the queues.')
var access accessMatrix = {
  functions: {
    blobs: [
      { container: 'images', role: 'Storage Blob Data Contributor' }
      { container: 'models', role: 'Storage Blob Data Reader' }
      { container: 'datasets', role: 'Storage Blob Data Reader' }
      { container: 'jobs', role: 'Storage Blob Data Contributor' }
      { container: 'labels', role: 'Storage Blob Data Reader' }
      { container: 'reports', role: 'Storage Blob Data Contributor' }
    ]
    queues: [
      { queue: 'shards', role: 'Azure Service Bus Data Sender' }
      { queue: 'shards', role: 'Azure Service Bus Data Receiver' }
      { queue: 'finalize', role: 'Azure Service Bus Data Sender' }
      { queue: 'finalize', role: 'Azure Service Bus Data Receiver' }
    ]
    storageQueues: [
      { queue: 'webjobs-blobtrigger-poison', role: 'Storage Queue Data Contributor' }
    ]
  }
  worker: {
    blobs: [
      { container: 'images', role: 'Storage Blob Data Reader' }
      { container: 'models', role: 'Storage Blob Data Reader' }
      { container: 'datasets', role: 'Storage Blob Data Reader' }
      { container: 'jobs', role: 'Storage Blob Data Contributor' }
      { container: 'labels', role: 'Storage Blob Data Contributor' }
      { container: 'reports', role: 'Storage Blob Data Contributor' }
    ]
    queues: [
      { queue: 'shards', role: 'Azure Service Bus Data Receiver' }
      { queue: 'finalize', role: 'Azure Service Bus Data Receiver' }
      { queue: 'finalize', role: 'Azure Service Bus Data Sender' }
    ]
    storageQueues: []
  }
  training: {
    blobs: [
      { container: 'datasets', role: 'Storage Blob Data Reader' }
      { container: 'models', role: 'Storage Blob Data Contributor' }
    ]
    queues: []
    storageQueues: []
  }
  scaler: {
    blobs: []
    queues: [
      { queue: 'shards', role: 'Azure Service Bus Data Owner' }
      { queue: 'finalize', role: 'Azure Service Bus Data Owner' }
    ]
    storageQueues: []
  }
  deployer: {
    blobs: [
      { container: 'images', role: 'Storage Blob Data Contributor' }
      { container: 'models', role: 'Storage Blob Data Contributor' }
      { container: 'datasets', role: 'Storage Blob Data Contributor' }
      { container: 'labels', role: 'Storage Blob Data Reader' }
      { container: 'reports', role: 'Storage Blob Data Reader' }
    ]
    queues: []
    storageQueues: []
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------------------------------

@description('The grants of every principal of the deployment.')
type accessMatrix = {
  @description('Required. The control plane (Functions) identity.')
  functions: accessGrants

  @description('Required. The GPU shard worker identity.')
  worker: accessGrants

  @description('Required. The training job identity.')
  training: accessGrants

  @description('Required. The KEDA scaler identity of the worker.')
  scaler: accessGrants

  @description('Required. The deploying user (only when deployerPrincipalId is set).')
  deployer: accessGrants
}
