using DiMaskDino.TestSupport;

namespace DiMaskDino.Infra.Tests;

/// <summary>
/// deploy.sh puts no key on any command line. The script runs end to end in a copy of the repository's layout with
/// stand-in `az` and `dotnet` executables first on PATH (Azure itself cannot be reached from a test): every argument
/// list they receive is recorded, the stand-in `az` hands out a recognisable blob-extension key, and the test checks
/// that the key reaches Event Grid only through a file readable by its owner alone.
/// </summary>
public sealed class DeployKeyHandlingTests
{
    private const string Key = "SYSTEMKEY-5b1f0c9e-do-not-print";

    // The answers of a deployed dev environment, for exactly the commands deploy.sh runs; anything else fails.
    private const string FakeAz = """
        #!/usr/bin/env bash
        set -euo pipefail
        printf '%s\x1f' "$@" >>"${FAKE_LOG}"
        printf '\n' >>"${FAKE_LOG}"
        args=" $* "
        case "${args}" in
          *" account show --output none "*) ;;
          *" account show --query user.type "*) echo user ;;
          *" ad signed-in-user show "*) echo 00000000-0000-0000-0000-0000000000cc ;;
          *" provider show "*) echo Registered ;;
          *" deployment sub show "*"properties.provisioningState"*) echo Succeeded ;;
          *" deployment sub show "*"properties.outputs."*)
            name="${args#*properties.outputs.}"
            name="${name%%.value*}"
            case "${name}" in
              AZURE_RESOURCE_GROUP) echo rg-test ;;
              AZURE_CONTAINER_REGISTRY_NAME) echo crtest ;;
              AZURE_CONTAINER_REGISTRY_ENDPOINT) echo crtest.azurecr.io ;;
              NETWORK_ISOLATED) echo false ;;
              AZURE_CONTAINER_REGISTRY_AGENT_POOL) echo ;;
              FUNCTIONS_APP_NAME) echo func-test ;;
              EVENTGRID_SYSTEM_TOPIC_NAME) echo evgst-test ;;
              *) echo "value-of-${name}" ;;
            esac ;;
          *" deployment sub create "*) ;;
          *" acr repository show "*) exit 3 ;;
          *" acr build "*) ;;
          *" functionapp deployment source config-zip "*) ;;
          *" functionapp show "*) echo func-test.azurewebsites.net ;;
          *" functionapp keys list "*) echo "${FAKE_KEY}" ;;
          *" functionapp function list "*) printf 'func-test/OnLabelRequest\timages/{dataset}/_label.json\n' ;;
          *" eventgrid system-topic event-subscription create "*)
            endpoint="${args#* --endpoint }"
            endpoint="${endpoint%% *}"
            [[ "${endpoint}" == @* ]] || { echo "endpoint not read from a file: ${endpoint}" >&2; exit 9; }
            file="${endpoint#@}"
            printf 'endpoint-file-mode=%s content=%s\n' "$(stat -c %a "${file}")" "$(<"${file}")" >>"${FAKE_EVENTS}" ;;
          *) echo "unexpected az call: $*" >&2; exit 9 ;;
        esac
        """;

    private const string FakeDotnet = """
        #!/usr/bin/env bash
        set -euo pipefail
        printf '%s\x1f' "$@" >>"${FAKE_LOG}"
        printf '\n' >>"${FAKE_LOG}"
        [[ "$1" == publish ]] || { echo "unexpected dotnet call: $*" >&2; exit 9; }
        while [[ $# -gt 0 && "$1" != --output ]]; do shift; done
        mkdir -p "$2"
        echo app >"$2/app.dll"
        """;

    [Fact]
    public async Task The_blob_extension_key_reaches_event_grid_through_an_owner_only_file_and_never_an_argument()
    {
        using var sandbox = new TemporaryDirectory("dimaskdino-deploy-");
        var repository = CopyRepositoryLayout(sandbox.File("repo"));
        var bin = Directory.CreateDirectory(sandbox.File("bin")).FullName;
        WriteExecutable(Path.Combine(bin, "az"), FakeAz);
        WriteExecutable(Path.Combine(bin, "dotnet"), FakeDotnet);
        var log = sandbox.File("calls.log");
        var events = sandbox.File("events.log");

        var result = await CommandLine.RunAsync("bash", [Path.Combine(repository, "infra", "deploy.sh"), "--profile", "dev"], repository,
            new Dictionary<string, string?>
            {
                ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
                ["FAKE_LOG"] = log,
                ["FAKE_EVENTS"] = events,
                ["FAKE_KEY"] = Key,
            });

        Assert.True(result.ExitCode == 0, result.Describe());
        var calls = File.ReadAllLines(log).Select(line => line.Split('\x1f', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Contains(calls, call => call.Take(2).SequenceEqual(["functionapp", "keys"])); // the key was fetched...
        Assert.All(calls, call => Assert.DoesNotContain(call, argument => argument.Contains(Key, StringComparison.Ordinal)));
        Assert.DoesNotContain(Key, result.StandardOutput + result.StandardError);
        // ...and used: one subscription, whose endpoint came from a mode-600 file holding the key.
        var subscription = Assert.Single(File.ReadAllLines(events));
        Assert.Equal(
            $"endpoint-file-mode=600 content=https://func-test.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.OnLabelRequest&code={Key}",
            subscription);
    }

    [Fact]
    public void No_az_argument_in_deploy_sh_is_built_from_the_key()
    {
        // A second, static guard for code paths the run above does not take.
        var script = File.ReadAllText(Path.Combine(SharedFiles.RepositoryRoot, "infra", "deploy.sh"));
        Assert.DoesNotContain("code=${", script);
        Assert.DoesNotContain("--sas-token", script);
        Assert.DoesNotContain("key=\"$(az", script); // a key in a variable is one expansion away from an argument
    }

    /// <summary>What deploy.sh reads and copies, without the build outputs: the script, parameter files, sources' shape.</summary>
    private static string CopyRepositoryLayout(string destination)
    {
        var root = SharedFiles.RepositoryRoot;
        Directory.CreateDirectory(Path.Combine(destination, "infra"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "infra")).Where(file => file.EndsWith(".sh") || file.EndsWith(".Dockerfile")))
        {
            File.Copy(file, Path.Combine(destination, "infra", Path.GetFileName(file)));
        }

        Directory.CreateDirectory(Path.Combine(destination, "bicep"));
        foreach (var name in new[] { "dev.bicepparam", "prod.bicepparam" })
        {
            File.Copy(Path.Combine(root, "bicep", name), Path.Combine(destination, "bicep", name));
        }

        foreach (var name in new[] { "global.json", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.Copy(Path.Combine(root, name), Path.Combine(destination, name));
        }

        Directory.CreateDirectory(Path.Combine(destination, "build"));
        var functions = Directory.CreateDirectory(Path.Combine(destination, "src", "DiMaskDino.Functions")).FullName;
        File.WriteAllText(Path.Combine(functions, "DiMaskDino.Functions.csproj"), "<Project />");
        Directory.CreateDirectory(Path.Combine(destination, "models")); // no demo model: step 6 says so
        return destination;
    }

    private static void WriteExecutable(string path, string content)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("deploy.sh runs under bash on Linux");
        }

        File.WriteAllText(path, content.Replace("\r\n", "\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
