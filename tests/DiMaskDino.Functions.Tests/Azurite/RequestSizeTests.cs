using System.Text;
using DiMaskDino.Functions.Jobs;
using DiMaskDino.IntegrationTests.Azurite;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace DiMaskDino.Functions.Tests.Azurite;

/// <summary><c>POST /api/jobs</c> refuses a body over 64 KiB with 413, before buffering it, and accepts one at the limit.</summary>
[Collection(FunctionsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RequestSizeTests(AzuriteFixture azurite)
{
    private const int Limit = 64 * 1024;

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_and_no_job()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var jobId = $"big-{Guid.NewGuid():N}"[..20];
        // A valid request made large by whitespace: only its size is wrong.
        var body = $$"""{"dataset":"d","model":"m.onnx","job_id":"{{jobId}}"}""" + new string(' ', Limit);

        var result = await plane.Create<SubmitJobFunction>().RunAsync(ControlPlane.Request(body), CancellationToken.None);

        var problem = TooLarge(result);
        Assert.Equal($"a job request is a JSON object of at most {Limit} bytes", problem.Detail);
        Assert.Null(await plane.Jobs.ReadJobAsync(jobId));
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_without_reading_the_body()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var request = ControlPlane.Request("{}");
        request.ContentLength = Limit + 1;
        request.Body = new UnreadableStream();

        TooLarge(await plane.Create<SubmitJobFunction>().RunAsync(request, CancellationToken.None));
    }

    [Fact]
    public async Task A_body_of_exactly_the_limit_is_read_and_validated()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var json = """{"dataset":"bad name!","model":"m.onnx"}""";
        var body = json + new string(' ', Limit - Encoding.UTF8.GetByteCount(json));
        Assert.Equal(Limit, Encoding.UTF8.GetByteCount(body));

        var result = await plane.Create<SubmitJobFunction>().RunAsync(ControlPlane.Request(body), CancellationToken.None);

        Assert.Contains("dataset", JobsApiTests.Problem(result, 400).Keys);
    }

    private static ProblemDetails TooLarge(IActionResult result)
    {
        var objectResult = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, objectResult.StatusCode);
        Assert.Contains("application/problem+json", objectResult.ContentTypes);
        return Assert.IsType<ProblemDetails>(objectResult.Value);
    }

    private sealed class UnreadableStream : MemoryStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("the body was read");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the body was read");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the body was read");
    }
}
