using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Images;

namespace DiMaskDino.Inference.Tests.Batching;

/// <summary>How a batch's prepared images are grouped into runs of equal input size.</summary>
public sealed class PendingBatchTests
{
    [Fact]
    public void Images_are_grouped_by_padded_size_in_first_seen_order_keeping_their_pixels()
    {
        var resources = new PooledResources();
        using var batch = new PendingBatch<string>(5, resources);
        // Canvases: A 32×64, B 64×32, A, failed, B.
        (int H, int W)?[] canvases = [(32, 64), (64, 32), (32, 64), null, (64, 32)];
        for (int i = 0; i < canvases.Length; i++)
        {
            batch.Add(new ImageInput<string>($"img-{i}", Array.Empty<byte>()));
            var item = batch.Items[i];
            if (canvases[i] is not { } canvas)
            {
                item.FailureReason = "bad";
                continue;
            }

            item.Geometry = new LetterboxGeometry(canvas.H, canvas.W, canvas.H, canvas.W - 5, canvas.H, canvas.W - 5);
            int length = 3 * canvas.H * canvas.W;
            batch.RentImage(item, length).AsSpan(0, length).Fill(i + 0.5f);
        }

        batch.GroupPrepared();

        Assert.Equal(4, batch.Decoded);
        Assert.Equal([(32, 64, 2), (64, 32, 2)], batch.Groups.Select(g => (g.Height, g.Width, g.Count)));
        Assert.Equal([(0, 0), (1, 0), (0, 1), (-1, -1), (1, 1)], batch.Items.Take(5).Select(i => (i.Group, i.Slot)));
        int imageLength = 3 * 32 * 64;
        Assert.All(batch.Groups[0].Input!.AsSpan(0, imageLength).ToArray(), v => Assert.Equal(0.5f, v));
        Assert.All(batch.Groups[0].Input!.AsSpan(imageLength, imageLength).ToArray(), v => Assert.Equal(2.5f, v));
        Assert.All(batch.Groups[1].Input!.AsSpan(imageLength, imageLength).ToArray(), v => Assert.Equal(4.5f, v));
        Assert.All(batch.Items.Take(5), i => Assert.Null(i.Prepared));
        Assert.Equal(2, resources.Held);   // the two group inputs; every per-image buffer went back

        batch.Dispose();

        Assert.Equal(0, resources.Held);
    }

    [Fact]
    public void Disposing_before_grouping_returns_the_per_image_buffers()
    {
        var resources = new PooledResources();
        var batch = new PendingBatch<string>(2, resources);
        batch.Add(new ImageInput<string>("a", Array.Empty<byte>()));
        batch.RentImage(batch.Items[0], 3 * 32 * 32);

        batch.Dispose();
        batch.Dispose();

        Assert.Equal(0, resources.Held);
    }
}
