using DiMaskDino.Functions.Jobs;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Tests.Fixtures;
using Microsoft.AspNetCore.Mvc;

namespace DiMaskDino.Functions.Tests.Azurite;

/// <summary><c>POST /api/jobs</c> with an explicit <c>job_id</c>: the same request again is idempotent, a different one is 409.</summary>
[Collection(FunctionsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class JobIdConflictTests(AzuriteFixture azurite, TinyModel model)
{
    [Fact]
    public async Task A_job_id_reused_with_a_different_request_is_409_and_the_same_request_is_idempotent()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var dataset = $"conf-{Guid.NewGuid():N}"[..16];
        var jobId = $"mine-{Guid.NewGuid():N}"[..20];
        await plane.UploadImagesAsync($"{dataset}/", 3);
        await plane.SharedModelAsync(model);
        string Body(int shardSize) => $$"""{"dataset":"{{dataset}}","model":"{{ControlPlane.SharedModel}}","shard_size":{{shardSize}},"job_id":"{{jobId}}"}""";
        var submit = plane.Create<SubmitJobFunction>();

        var first = JobsApiTests.Status(await submit.RunAsync(ControlPlane.Request(Body(2)), CancellationToken.None), 202);
        var again = JobsApiTests.Status(await submit.RunAsync(ControlPlane.Request(Body(2)), CancellationToken.None), 202);
        var conflict = await submit.RunAsync(ControlPlane.Request(Body(1)), CancellationToken.None);

        Assert.Equal(("planned", jobId, 2), (first.Submission, first.JobId, first.Counts.Shards));
        Assert.Equal(("resumed", jobId, 2), (again.Submission, again.JobId, again.Counts.Shards));
        JobsApiTests.Problem(conflict, 409);
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(conflict).Value);
        Assert.Equal("The job id belongs to another request", problem.Title);
        Assert.Equal($"job {jobId} already exists with a different request (shard_size differ): choose another job_id, or repeat that job's request", problem.Detail);
        Assert.Equal(2, (await plane.Jobs.ReadJobAsync(jobId))!.Request.ShardSize);
    }
}
