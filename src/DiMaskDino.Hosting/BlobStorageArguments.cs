using System.CommandLine;
using System.CommandLine.Parsing;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace DiMaskDino.Hosting;

/// <summary>
/// How the command-line hosts (training's blob options, <c>label --source azure</c>) reach blob storage: a connection
/// string (Azurite, or an account with shared keys), or the blob endpoint with <see cref="DefaultAzureCredential"/>
/// (managed identity in the Container Apps job, Azure CLI login locally; <c>AZURE_CLIENT_ID</c> picks a user-assigned
/// identity). Both default to the configuration contract's environment variables.
/// </summary>
public sealed class BlobStorageArguments
{
    public const string ConnectionStringVariable = "Storage__ConnectionString";
    public const string BlobServiceUriVariable = "Storage__blobServiceUri";

    public Option<string?> ConnectionString { get; } = new("--storage-connection-string")
    {
        Description = $"Storage connection string (e.g. Azurite's); default: the {ConnectionStringVariable} environment variable.",
    };

    public Option<Uri?> BlobUri { get; } = new("--blob-uri")
    {
        Description = $"Blob endpoint, e.g. https://ACCOUNT.blob.core.windows.net, used with DefaultAzureCredential; default: the {BlobServiceUriVariable} environment variable.",
        CustomParser = BlobEndpoint, // System.CommandLine has no Uri conversion of its own
    };

    public IEnumerable<Option> All => [ConnectionString, BlobUri];

    private static Uri? BlobEndpoint(ArgumentResult result)
    {
        if (EndpointProblem(result.Tokens[^1].Value, out var url) is { } problem)
        {
            result.AddError($"--blob-uri: {problem}");
        }

        return url;
    }

    /// <returns>what keeps <paramref name="text"/> from being a blob endpoint for DefaultAzureCredential, or null with <paramref name="url"/> set</returns>
    private static string? EndpointProblem(string text, out Uri? url)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out url))
        {
            return $"'{text}' is not an absolute URL";
        }

        return url.Scheme == Uri.UriSchemeHttps ? null : $"'{text}' is not an https URL (DefaultAzureCredential needs HTTPS)";
    }

    /// <summary>The blob service; only called when a blob option is in use, so plain local runs need no storage.</summary>
    public BlobServiceClient Resolve(ParseResult parse)
    {
        var connectionString = parse.GetValue(ConnectionString);
        var blobUri = parse.GetValue(BlobUri);
        if (!string.IsNullOrWhiteSpace(connectionString) && blobUri is not null)
        {
            throw new CliInputException("give either --storage-connection-string or --blob-uri, not both");
        }

        if (string.IsNullOrWhiteSpace(connectionString) && blobUri is null)
        {
            connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
            if (string.IsNullOrWhiteSpace(connectionString) && Environment.GetEnvironmentVariable(BlobServiceUriVariable) is { Length: > 0 } fromEnvironment)
            {
                blobUri = EndpointProblem(fromEnvironment, out var parsed) is { } problem
                    ? throw new CliInputException($"{BlobServiceUriVariable}: {problem}")
                    : parsed;
            }
        }

        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            try
            {
                return new BlobServiceClient(connectionString);
            }
            catch (FormatException e)
            {
                throw new CliInputException($"--storage-connection-string: not a storage connection string ({e.Message})");
            }
        }

        return blobUri is not null
            ? new BlobServiceClient(blobUri, new DefaultAzureCredential())
            : throw new CliInputException(
                $"blob storage needs --storage-connection-string or --blob-uri (or the {ConnectionStringVariable} / {BlobServiceUriVariable} environment variables)");
    }
}
