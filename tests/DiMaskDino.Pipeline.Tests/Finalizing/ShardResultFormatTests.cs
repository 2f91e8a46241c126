using System.Text;
using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Tests.Finalizing;

/// <summary>
/// Shard results hold <see cref="CocoInstance"/> since it replaced LabeledInstance: results written before (a base job's,
/// carried into an incremental one) must read as they are, and results written now must be the same bytes.
/// </summary>
public sealed class ShardResultFormatTests
{
    // A result as LabeledInstance (double[] bbox, {size, counts} segmentation) serialized it.
    private const string Written =
        "{\"job_id\":\"j1\",\"shard\":0,\"images\":[{\"id\":3,\"name\":\"in/a.png\",\"e_tag\":\"\\u00220x1\\u0022\",\"width\":40,\"height\":30,\"instances\":[" +
        "{\"category_id\":7,\"bbox\":[1,2,3.5,4],\"area\":12,\"score\":0.875,\"segmentation\":{\"size\":[30,40],\"counts\":\"Q\\u003C4\"}," +
        "\"model_bbox\":[0.5,1.5,4,5],\"box_mask_iou\":0.75,\"class_margin\":{\"class_score\":0.9,\"runner_up_category_id\":8,\"runner_up_score\":0.1}}," +
        "{\"category_id\":8,\"bbox\":[0,0,1,1],\"area\":1,\"score\":0.5,\"segmentation\":{\"size\":[30,40],\"counts\":\"0\"}}]}]," +
        "\"categories\":[{\"id\":7,\"name\":\"cat\"},{\"id\":8,\"name\":\"dog\"}]}";

    [Fact]
    public void A_result_written_with_the_old_instance_shape_reads_and_writes_back_byte_for_byte()
    {
        var result = JsonSerializer.Deserialize(Written, PipelineJsonContext.Default.ShardResult)!;

        var instances = Assert.Single(result.Images).Instances;
        var first = instances[0];
        Assert.Equal((7, new BoundingBox(1, 2, 3.5, 4), 12.0, 0.875), (first.CategoryId, first.Bbox, first.Area, first.Score));
        Assert.Equal(RleSegmentation.Compressed(30, 40, "Q<4"), first.Segmentation);
        Assert.Equal((new BoundingBox(0.5, 1.5, 4, 5), 0.75), (first.ModelBbox!.Value, first.BoxMaskIou!.Value));
        Assert.Equal(new ClassMargin(0.9, 8, 0.1), first.ClassMargin);
        Assert.Null(instances[1].ModelBbox);
        Assert.Null(instances[1].ClassMargin);
        Assert.Equal(Written, Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(result, PipelineJsonContext.Default.ShardResult)));
    }

    [Fact]
    public void An_instance_without_a_box_is_refused()
    {
        var noBox = Written.Replace("\"bbox\":[0,0,1,1]", "\"bbox\":[]", StringComparison.Ordinal);

        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(noBox, PipelineJsonContext.Default.ShardResult));
        Assert.Contains("box", e.Message, StringComparison.Ordinal);
    }
}
