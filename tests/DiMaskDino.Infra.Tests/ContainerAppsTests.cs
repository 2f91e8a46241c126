using System.Text.Json.Nodes;

namespace DiMaskDino.Infra.Tests;

/// <summary>The GPU worker scales from zero on the shards queue; the training job runs only when started.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class ContainerAppsTests(DeploymentFixture fixture)
{
    [Theory]
    [InlineData(Profile.Dev, "Consumption-GPU-NC8as-T4", 8, "56Gi")]
    [InlineData(Profile.Prod, "Consumption-GPU-NC24-A100", 24, "220Gi")]
    public void The_environment_has_the_profiles_gpu_and_the_worker_and_training_job_run_on_it(
        Profile profile, string gpuType, int cpu, string memory)
    {
        var snapshot = fixture.Snapshot(profile);
        var environment = snapshot.Single("Microsoft.App/managedEnvironments");
        var gpu = environment["properties"]!["workloadProfiles"]!.AsArray()
            .Single(workloadProfile => (string)workloadProfile!["workloadProfileType"]! == gpuType)!;
        var gpuName = (string)gpu["name"]!;

        foreach (var workload in new[] { Worker(snapshot), Training(snapshot) })
        {
            Assert.Equal(environment["id"]!.ToString(), workload["properties"]!["environmentId"]!.ToString());
            Assert.Equal(gpuName, (string?)workload["properties"]!["workloadProfileName"]);
            var resources = workload["properties"]!["template"]!["containers"]![0]!["resources"]!;
            Assert.Equal(cpu, (int)resources["cpu"]!);
            Assert.Equal(memory, (string?)resources["memory"]);
        }
    }

    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void The_worker_scales_from_zero_on_the_shards_queue_with_the_scaler_identity(Profile profile)
    {
        var snapshot = fixture.Snapshot(profile);
        var worker = Worker(snapshot);
        var scale = worker["properties"]!["template"]!["scale"]!;
        Assert.Equal(0, (int)scale["minReplicas"]!);

        var rules = scale["rules"]!.AsArray().Select(rule => rule!["custom"]!).ToList();
        var shards = Assert.Single(rules, rule => (string?)rule["metadata"]!["queueName"] == "shards");
        Assert.Equal("azure-servicebus", (string?)shards["type"]);
        Assert.Equal(((string)snapshot.Single("Microsoft.ServiceBus/namespaces")["name"]!), (string?)shards["metadata"]!["namespace"]);
        Assert.All(rules, rule =>
        {
            Assert.Equal("azure-servicebus", (string?)rule["type"]);
            Assert.Equal(snapshot.IdentityId("scaler"), (string?)rule["identity"]);
            Assert.Null(rule["auth"]); // no connection-string secret for KEDA
        });
        Assert.Contains(snapshot.IdentityId("scaler"), DeploymentSnapshot.UserAssignedIdentities(worker));
    }

    [Fact]
    public void The_worker_has_no_ingress_and_probes_health_and_readiness_on_8080()
    {
        var worker = Worker(fixture.Snapshot(Profile.Dev));
        Assert.Null(worker["properties"]!["configuration"]!["ingress"]);
        var probes = worker["properties"]!["template"]!["containers"]![0]!["probes"]!.AsArray();
        Assert.Equal("/healthz", Probe("Liveness")["path"]!.ToString());
        Assert.Equal("/readyz", Probe("Readiness")["path"]!.ToString());
        Assert.All(probes, probe => Assert.Equal(8080, (int)probe!["httpGet"]!["port"]!));
        var env = worker["properties"]!["template"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Equal("8080", (string?)env.Single(variable => (string)variable!["name"]! == "Worker__HealthPort")!["value"]);
        // Above the worker's 30 s shutdown timeout, so a stopping replica abandons its shard instead of being killed.
        Assert.True((int)worker["properties"]!["template"]!["terminationGracePeriodSeconds"]! > 30);

        JsonNode Probe(string type) => probes.Single(probe => (string)probe!["type"]! == type)!["httpGet"]!;
    }

    [Fact]
    public void The_training_job_runs_only_when_started_and_never_retries_on_its_own()
    {
        var configuration = Training(fixture.Snapshot(Profile.Dev))["properties"]!["configuration"]!;
        Assert.Equal("Manual", (string?)configuration["triggerType"]);
        Assert.Equal(0, (int)configuration["replicaRetryLimit"]!);
        Assert.Equal(1, (int)configuration["manualTriggerConfig"]!["parallelism"]!);
    }

    [Fact]
    public void Images_are_pulled_from_the_registry_with_the_workloads_own_identity()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        foreach (var (workload, identity) in new[] { (Worker(snapshot), "worker"), (Training(snapshot), "training") })
        {
            var registry = Assert.Single(workload["properties"]!["configuration"]!["registries"]!.AsArray())!;
            Assert.Equal(snapshot.IdentityId(identity), (string?)registry["identity"]);
            Assert.Null(registry["passwordSecretRef"]);
            Assert.Null(registry["username"]);
        }

        Assert.Equal(BicepWorkspace.WorkerImage, Worker(snapshot)["properties"]!["template"]!["containers"]![0]!["image"]!.ToString());
        Assert.Equal(BicepWorkspace.TrainingImage, Training(snapshot)["properties"]!["template"]!["containers"]![0]!["image"]!.ToString());

        var acr = snapshot.Single("Microsoft.ContainerRegistry/registries")["properties"]!;
        Assert.False((bool)acr["adminUserEnabled"]!);
        Assert.False((bool)acr["anonymousPullEnabled"]!);
    }

    [Fact]
    public void The_worker_gets_the_configuration_contract_with_its_own_identity()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        var env = Worker(snapshot)["properties"]!["template"]!["containers"]![0]!["env"]!.AsArray()
            .ToDictionary(variable => (string)variable!["name"]!, variable => variable!);
        var clientId = $"[reference('{snapshot.IdentityId("worker")}', '2024-11-30').clientId]";

        Assert.Equal("managedidentity", Value("Storage__credential"));
        Assert.Equal(clientId, Value("Storage__clientId"));
        Assert.Equal(clientId, Value("ServiceBus__clientId"));
        Assert.Equal(clientId, Value("AZURE_CLIENT_ID"));
        Assert.Equal("ServiceBus", Value("Pipeline__QueueKind"));
        Assert.Equal("shards", Value("Pipeline__ShardQueue"));
        Assert.Equal("finalize", Value("Pipeline__FinalizeQueue"));
        Assert.Equal("5", Value("Pipeline__MaxDeliveryCount"));
        Assert.Equal("Cuda", Value("Inference__PreferredProvider"));
        Assert.Equal("shapes-val", Value("Evaluation__Dataset"));
        Assert.EndsWith(".servicebus.windows.net", Value("ServiceBus__fullyQualifiedNamespace"));
        Assert.Contains("primaryEndpoints.blob", Value("Storage__blobServiceUri"));
        Assert.Equal("appinsights-connection-string", (string?)env["APPLICATIONINSIGHTS_CONNECTION_STRING"]["secretRef"]);

        string Value(string name) => (string)env[name]["value"]!;
    }

    [Fact]
    public void The_training_job_reaches_blob_storage_with_its_own_identity_and_runs_the_image_default_without_trainingArgs()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        var container = Training(snapshot)["properties"]!["template"]!["containers"]![0]!;
        var env = container["env"]!.AsArray().ToDictionary(variable => (string)variable!["name"]!, variable => (string)variable!["value"]!);

        Assert.Equal($"[reference('{snapshot.IdentityId("training")}', '2024-11-30').clientId]", env["AZURE_CLIENT_ID"]);
        Assert.Contains("primaryEndpoints.blob", env["Storage__blobServiceUri"]);
        Assert.Null(container["args"]);
    }

    [Fact]
    public async Task TrainingArgs_become_the_arguments_of_every_training_execution()
    {
        using var workspace = new BicepWorkspace();
        workspace.Edit("dev.bicepparam", "param workerMaxReplicas = 4",
            "param workerMaxReplicas = 4\nparam trainingArgs = ['train', '--data-blob', 'datasets/shapes/train', '--out', 'runs/r1', '--publish', 'models/r1.onnx']");

        var snapshot = new DeploymentSnapshot(await workspace.SnapshotAsync("dev.bicepparam"));

        var args = Training(snapshot)["properties"]!["template"]!["containers"]![0]!["args"]!.AsArray().Select(arg => (string)arg!);
        Assert.Equal(["train", "--data-blob", "datasets/shapes/train", "--out", "runs/r1", "--publish", "models/r1.onnx"], args);
    }

    internal static JsonObject Worker(DeploymentSnapshot snapshot) => snapshot.Single("Microsoft.App/containerApps", "ca-worker-");

    internal static JsonObject Training(DeploymentSnapshot snapshot) => snapshot.Single("Microsoft.App/jobs", "caj-train-");
}
