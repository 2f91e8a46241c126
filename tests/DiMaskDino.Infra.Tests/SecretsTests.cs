using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DiMaskDino.Infra.Tests;

/// <summary>No key, connection string or SAS anywhere: not in settings, not in outputs, never read by the template.</summary>
[Collection(DeploymentCollection.Name)]
public sealed partial class SecretsTests(DeploymentFixture fixture)
{
    [Fact]
    public void The_templates_never_call_list_functions()
    {
        var compiled = Directory.EnumerateFiles(fixture.Workspace.Root, "*.json", SearchOption.AllDirectories)
            .Where(path => !path.EndsWith("snapshot.json", StringComparison.Ordinal))
            .ToDictionary(path => path, File.ReadAllText);
        Assert.NotEmpty(compiled);
        Assert.All(compiled, pair => Assert.False(ListCall().IsMatch(pair.Value), $"{pair.Key} calls a list*() function"));
    }

    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void No_app_setting_or_environment_variable_holds_a_credential(Profile profile)
    {
        var snapshot = fixture.Snapshot(profile);
        var variables = FunctionsTests.Settings(FunctionsTests.Site(snapshot))
            .Select(pair => (Name: pair.Key, Value: (string?)pair.Value))
            .Concat(new[] { ContainerAppsTests.Worker(snapshot), ContainerAppsTests.Training(snapshot) }
                .SelectMany(workload => workload["properties"]!["template"]!["containers"]!.AsArray())
                .SelectMany(container => container!["env"]!.AsArray())
                .Select(variable => (Name: (string)variable!["name"]!, Value: (string?)variable["value"])))
            .ToList();

        Assert.NotEmpty(variables);
        Assert.All(variables, variable =>
        {
            Assert.False(CredentialText().IsMatch(variable.Value ?? string.Empty), $"{variable.Name} holds a credential");
            if (variable.Name.EndsWith("ConnectionString", StringComparison.OrdinalIgnoreCase)
                || variable.Name.EndsWith("CONNECTION_STRING", StringComparison.Ordinal))
            {
                // The only one: where Application Insights ingests (not a credential), read from the component.
                Assert.Equal("APPLICATIONINSIGHTS_CONNECTION_STRING", variable.Name);
                Assert.True(variable.Value is null || variable.Value.Contains("Microsoft.Insights/components/", StringComparison.Ordinal),
                    $"{variable.Name} = {variable.Value}");
            }
        });
    }

    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void Container_apps_keep_only_the_application_insights_connection_string_as_a_secret(Profile profile)
    {
        var snapshot = fixture.Snapshot(profile);
        var secrets = new[] { ContainerAppsTests.Worker(snapshot), ContainerAppsTests.Training(snapshot) }
            .SelectMany(workload => workload["properties"]!["configuration"]!["secrets"]?.AsArray() ?? [])
            .ToList();
        Assert.All(secrets, secret =>
        {
            Assert.Equal("appinsights-connection-string", (string?)secret!["name"]);
            Assert.Contains("Microsoft.Insights/components/", (string)secret["value"]!);
            Assert.EndsWith(".ConnectionString]", (string)secret["value"]!);
        });
    }

    [Fact]
    public void Outputs_are_names_and_endpoints_only()
    {
        var outputs = fixture.MainTemplate["outputs"]!.AsObject();
        Assert.True(outputs.Count >= 10);
        Assert.All(outputs, output =>
        {
            Assert.Equal("string", (string?)output.Value!["type"]);
            var value = output.Value["value"]!.ToString();
            Assert.False(CredentialText().IsMatch(value), $"output {output.Key} = {value}");
            Assert.DoesNotContain("ConnectionString", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("principalId", value, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Every_compute_resource_runs_as_a_user_assigned_identity()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        var compute = snapshot.OfType("Microsoft.App/containerApps")
            .Concat(snapshot.OfType("Microsoft.App/jobs"))
            .Concat(snapshot.OfType("Microsoft.Web/sites"))
            .ToList();
        Assert.Equal(3, compute.Count);
        Assert.All(compute, resource => Assert.NotEmpty(DeploymentSnapshot.UserAssignedIdentities(resource)));
    }

    [Fact]
    public void The_check_catches_a_key_read_by_the_template()
    {
        // A connection string built from listKeys() is exactly what the list-call check exists for.
        var template = """{ "value": "[format('DefaultEndpointsProtocol=https;AccountKey={0}', listKeys(resourceId('Microsoft.Storage/storageAccounts', 'x'), '2023-01-01').keys[0].value)]" }""";
        Assert.Matches(ListCall(), template);
        Assert.Matches(CredentialText(), "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b");
    }

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.CultureInvariant)]
    private static partial Regex ListCall();

    [GeneratedRegex(@"AccountKey=|SharedAccessKey|SharedAccessSignature|[?&]sig=|InstrumentationKey=|password", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialText();
}
