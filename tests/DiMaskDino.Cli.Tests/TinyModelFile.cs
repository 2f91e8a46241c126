using DiMaskDino.Model;
using DiMaskDino.TestModels;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Cli.Tests;

/// <summary>
/// A tiny random-weight DiMaskDino (3 classes, 64×64 input, 10 queries) exported to ONNX with the training export
/// command's metadata, plus image files to label. Predictions are meaningless but deterministic.
/// </summary>
public sealed class TinyModelFile : IDisposable
{
    public const int Size = 64;

    public static IReadOnlyList<(int Id, string Name)> Categories { get; } = [(1, "circle"), (2, "square"), (5, "triangle")];

    private readonly string _folder = Directory.CreateTempSubdirectory("dimaskdino-cli-model-").FullName;

    public TinyModelFile()
    {
        Path = System.IO.Path.Combine(_folder, "tiny.onnx");
        RandomModelExport.Save(
            ModelOptions.Tiny(Categories.Count) with { FirstSelectedTokens = 20, NumQueries = 10, GuidingTokens = 4 }, Size, Categories, Path);
    }

    public string Path { get; }

    /// <summary>Writes a seeded noise PNG of the given size to <paramref name="path"/>.</summary>
    public static void WriteImage(string path, int width, int height, int seed)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var generator = new Random(seed);
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)generator.Next(256), (byte)generator.Next(256), (byte)generator.Next(256));
            }
        }

        image.SaveAsPng(path);
    }

    /// <summary>
    /// The ONNX model <paramref name="model"/> with one more metadata_props entry: ModelProto field 14 appended, which
    /// protobuf parsers add to the repeated field.
    /// </summary>
    public static byte[] WithMetadata(byte[] model, string key, string value)
    {
        var entry = new List<byte>();
        Field(entry, 1, System.Text.Encoding.UTF8.GetBytes(key));
        Field(entry, 2, System.Text.Encoding.UTF8.GetBytes(value));
        var result = new List<byte>(model);
        Field(result, 14, [.. entry]);
        return [.. result];

        static void Field(List<byte> to, int number, byte[] bytes)
        {
            to.Add((byte)((number << 3) | 2));
            for (var length = (uint)bytes.Length; ; length >>= 7)
            {
                to.Add((byte)(length < 0x80 ? length : (length & 0x7F) | 0x80));
                if (length < 0x80)
                {
                    break;
                }
            }

            to.AddRange(bytes);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
