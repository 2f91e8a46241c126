using System.Text.Json.Serialization;

namespace DiMaskDino.Coco.Json;

[JsonSourceGenerationOptions(
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(CocoDataset))]
[JsonSerializable(typeof(List<CocoDetection>))]
public sealed partial class CocoJsonContext : JsonSerializerContext;
