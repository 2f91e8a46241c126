// Access to tests/golden/coco/rle.json (pycocotools 2.0.11 outputs; a copy of shared/golden/coco/rle.json), read once and never modified.

using System.Text.Json;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Tests.Masks;

internal static class RleGolden
{
    private static readonly Lazy<JsonDocument> s_document =
        new(() => JsonDocument.Parse(File.ReadAllBytes(GoldenFiles.RleJson)));

    public static JsonElement Section(string name) => s_document.Value.RootElement.GetProperty(name);

    /// <summary>Indices 0..n-1 of a section's entries, for theories.</summary>
    public static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Section(section).GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static JsonElement Entry(string section, int index) => Section(section)[index];

    /// <summary>An entry of the <c>masks</c> section by name.</summary>
    public static JsonElement NamedMask(string name)
    {
        foreach (JsonElement mask in Section("masks").EnumerateArray())
        {
            if (mask.GetProperty("name").GetString() == name)
            {
                return mask;
            }
        }

        throw new KeyNotFoundException($"rle.json has no mask named {name}.");
    }

    /// <summary>A named mask decoded from its golden compressed string.</summary>
    public static RleMask LoadMask(string name)
    {
        JsonElement mask = NamedMask(name);
        return Rle.FromCompressedString(mask.GetProperty("counts").GetString()!, Int(mask, "h"), Int(mask, "w"));
    }

    public static int Int(JsonElement element, string property) => element.GetProperty(property).GetInt32();

    public static string String(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    public static uint[] Uints(JsonElement array)
    {
        var values = new uint[array.GetArrayLength()];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = array[i].GetUInt32();
        }

        return values;
    }

    public static double[] Doubles(JsonElement array)
    {
        var values = new double[array.GetArrayLength()];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = array[i].GetDouble();
        }

        return values;
    }

    public static BoundingBox Box(JsonElement array) =>
        new(array[0].GetDouble(), array[1].GetDouble(), array[2].GetDouble(), array[3].GetDouble());

    /// <summary>A golden <c>bits</c> string (row-major, '1' = foreground) as row-major bytes.</summary>
    public static byte[] RowMajorBits(string bits) => bits.Select(c => (byte)(c == '1' ? 1 : 0)).ToArray();

    /// <summary>A golden <c>bits</c> string as column-major bytes (pixel (y, x) at x*h + y).</summary>
    public static byte[] ColumnMajorBits(string bits, int height, int width)
    {
        var mask = new byte[height * width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                mask[x * height + y] = (byte)(bits[y * width + x] == '1' ? 1 : 0);
            }
        }

        return mask;
    }
}
