using System.Text.RegularExpressions;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Infra.Tests;

/// <summary>
/// What can be checked about the images without a Docker engine: multi-stage builds, pinned base images, a non-root
/// user, and the entry points the hosts expect. (Building them needs `az acr build` or Docker: infra/deploy.sh.)
/// </summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new() { "worker.Dockerfile", "functions.Dockerfile", "training.Dockerfile" };

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Images_are_multi_stage_from_pinned_bases_and_run_as_a_non_root_user(string name)
    {
        var dockerfile = Dockerfile.Read(name);

        Assert.True(dockerfile.Stages.Count >= 2, $"{name} has {dockerfile.Stages.Count} stage(s)");
        Assert.All(dockerfile.Stages, stage =>
        {
            if (dockerfile.Stages.Any(earlier => earlier.Name == stage.Image))
            {
                return; // built on an earlier stage
            }

            var tag = stage.Image.Contains(':', StringComparison.Ordinal) ? stage.Image[(stage.Image.LastIndexOf(':') + 1)..] : "";
            Assert.False(tag is "" or "latest", $"{name}: base image '{stage.Image}' is not pinned to a tag");
        });

        var user = Assert.Single(dockerfile.Runtime.Instructions, instruction => instruction.Keyword == "USER").Arguments;
        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);
        Assert.Matches(@"^\d+:\d+$", user); // numeric, so Kubernetes-style runAsNonRoot checks can verify it
    }

    [Fact]
    public void The_worker_runs_on_cuda_13_with_cudnn_9_and_serves_probes_on_8080()
    {
        var worker = Dockerfile.Read("worker.Dockerfile");
        Assert.Matches(@"^nvidia/cuda:13\.\d+\.\d+-cudnn-runtime-ubuntu24\.04$", worker.Runtime.Image);
        Assert.Contains(worker.Stages, stage => stage.Image.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", StringComparison.Ordinal));
        Assert.Contains(worker.Stages, stage => stage.Image.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", StringComparison.Ordinal));
        Assert.Contains("src/DiMaskDino.Worker/DiMaskDino.Worker.csproj", worker.Text);
        Assert.Equal("""["dotnet", "DiMaskDino.Worker.dll"]""", worker.Runtime.Last("ENTRYPOINT"));
        Assert.Contains("Worker__HealthPort=8080", worker.Runtime.Last("ENV"));
        Assert.Equal("8080", worker.Runtime.Last("EXPOSE"));
        Assert.DoesNotContain(worker.Instructions, instruction => instruction.Keyword == "HEALTHCHECK");
    }

    [Fact]
    public void Training_runs_on_ubuntu_24_04_with_the_cuda_torch_backend_by_default()
    {
        var training = Dockerfile.Read("training.Dockerfile");
        Assert.Equal("ubuntu:24.04", training.Runtime.Image);
        Assert.Contains("ARG TORCH_BACKEND=cuda", training.Text);
        Assert.Contains("-p:TorchBackend=${TORCH_BACKEND}", training.Text);
        Assert.Equal("""["dotnet", "/app/dimaskdino-train.dll"]""", training.Runtime.Last("ENTRYPOINT"));
    }

    [Fact]
    public void Functions_image_uses_the_dotnet_10_isolated_host()
    {
        var functions = Dockerfile.Read("functions.Dockerfile");
        Assert.Equal("mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0", functions.Runtime.Image);
        Assert.Contains("src/DiMaskDino.Functions/DiMaskDino.Functions.csproj", functions.Text);
    }

    [Fact]
    public void The_parser_sees_an_unpinned_base_and_a_root_user()
    {
        var dockerfile = Dockerfile.Parse("FROM ubuntu AS runtime\nUSER root\n");
        Assert.Equal("ubuntu", Assert.Single(dockerfile.Stages).Image);
        Assert.Equal("root", dockerfile.Runtime.Last("USER"));
    }

    private sealed record Instruction(string Keyword, string Arguments);

    private sealed record Stage(string Image, string? Name, List<Instruction> Instructions)
    {
        public string Last(string keyword) => Instructions.Last(instruction => instruction.Keyword == keyword).Arguments;
    }

    private sealed partial record Dockerfile(string Text, List<Stage> Stages, List<Instruction> Instructions)
    {
        public Stage Runtime => Stages[^1];

        public static Dockerfile Read(string name) =>
            Parse(File.ReadAllText(Path.Combine(SharedFiles.RepositoryRoot, "infra", name)));

        public static Dockerfile Parse(string text)
        {
            // Join continuation lines, drop comments and blank lines.
            var logical = ContinuedLine().Replace(text, " ").Split('\n')
                .Select(line => line.Trim())
                .Where(line => line.Length > 0 && !line.StartsWith('#'));
            var stages = new List<Stage>();
            var all = new List<Instruction>();
            foreach (var line in logical)
            {
                var space = line.IndexOf(' ');
                var instruction = new Instruction(line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
                all.Add(instruction);
                if (instruction.Keyword == "FROM")
                {
                    var match = FromLine().Match(instruction.Arguments);
                    stages.Add(new Stage(match.Groups["image"].Value, match.Groups["name"].Success ? match.Groups["name"].Value : null, []));
                }
                else if (stages.Count > 0)
                {
                    stages[^1].Instructions.Add(instruction);
                }
            }

            return new Dockerfile(text, stages, all);
        }

        [GeneratedRegex(@"\\\r?\n")]
        private static partial Regex ContinuedLine();

        [GeneratedRegex(@"^(--platform=\S+\s+)?(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
        private static partial Regex FromLine();
    }
}
