// Log Analytics (Container Apps logs, Functions and worker telemetry) and a workspace-based Application Insights.

import { allLogs, allMetrics, diagnosticSettingName } from 'definitions.bicep'

metadata description = 'Log Analytics workspace and Application Insights.'

@description('Required. Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string

@description('Required. Azure region.')
param location string

@description('Required. Tags for every resource.')
param tags object

@description('Optional. Days logs are kept (30 days are included in the ingestion price).')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Optional. Daily ingestion cap in GB; -1 for none. A cap bounds the cost of a runaway log loop.')
@minValue(-1)
@maxValue(100)
param dailyQuotaGb int = 5

@description('Optional. Send the workspace\'s own audit logs and metrics to itself.')
param selfDiagnostics bool = false

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
  }
}

// 2021-05-01-preview is the newest diagnosticSettings schema (see container-environment.bicep).
#disable-next-line use-recent-api-versions
resource workspaceDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (selfDiagnostics) {
  name: diagnosticSettingName
  scope: workspace
  properties: {
    workspaceId: workspace.id
    logs: allLogs
    metrics: allMetrics
  }
}

@description('Resource id of the Log Analytics workspace.')
output logAnalyticsWorkspaceId string = workspace.id

@description('Name of the Log Analytics workspace.')
output logAnalyticsName string = workspace.name

@description('Name of the Application Insights component.')
output applicationInsightsName string = applicationInsights.name
