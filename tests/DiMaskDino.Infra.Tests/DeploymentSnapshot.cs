using System.Text.Json.Nodes;

namespace DiMaskDino.Infra.Tests;

/// <summary>Queries over a Bicep deployment snapshot ("predictedResources": fully named resources).</summary>
internal sealed class DeploymentSnapshot(JsonObject snapshot)
{
    public IReadOnlyList<JsonObject> Resources { get; } =
        snapshot["predictedResources"]!.AsArray().Select(node => node!.AsObject()).ToList();

    public JsonObject Outputs => snapshot["outputs"]?.AsObject() ?? [];

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(resource => string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The one resource of a type, optionally the one whose name starts with a prefix.</summary>
    public JsonObject Single(string type, string? namePrefix = null)
    {
        var matches = OfType(type)
            .Where(resource => namePrefix is null || ((string)resource["name"]!).StartsWith(namePrefix, StringComparison.Ordinal))
            .ToList();
        Assert.True(matches.Count == 1, $"expected one {type}{(namePrefix is null ? "" : $" named {namePrefix}*")}, found {matches.Count}");
        return matches[0];
    }

    /// <summary>The resource ids of the user-assigned identities attached to a resource.</summary>
    public static IReadOnlyList<string> UserAssignedIdentities(JsonObject resource)
    {
        var identity = resource["identity"]?.AsObject();
        Assert.NotNull(identity);
        Assert.Equal("UserAssigned", (string?)identity["type"]);
        return identity["userAssignedIdentities"]!.AsObject().Select(pair => pair.Key).ToList();
    }

    public string IdentityId(string workload) =>
        (string)Single("Microsoft.ManagedIdentity/userAssignedIdentities", $"id-{workload}-")["id"]!;
}
