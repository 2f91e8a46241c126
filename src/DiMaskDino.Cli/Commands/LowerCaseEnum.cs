using System.CommandLine;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// An enum option whose values are shown, completed and accepted in lower case (<c>--source local|azure</c>). The
/// default must be the enum's zero value: it is what an absent option reads as, and the help then shows it in lower
/// case in the description (a default value factory would be printed as "[default: Local]").
/// </summary>
internal static class LowerCaseEnum
{
    public static Option<T> Option<T>(string name, T defaultValue, string description)
        where T : struct, Enum
    {
        if (!EqualityComparer<T>.Default.Equals(defaultValue, default))
        {
            throw new ArgumentException($"the default of {name} must be the zero value of {typeof(T).Name}", nameof(defaultValue));
        }

        var names = Enum.GetValues<T>().Select(Name).ToArray();
        var option = new Option<T>(name)
        {
            Description = $"{description} [default: {Name(defaultValue)}]",
            HelpName = string.Join('|', names),
            CustomParser = result =>
            {
                var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                foreach (var value in Enum.GetValues<T>())
                {
                    if (string.Equals(Name(value), token, StringComparison.OrdinalIgnoreCase))
                    {
                        return value;
                    }
                }

                result.AddError($"{name} must be one of {string.Join(", ", names)}, got \"{token}\"");
                return defaultValue;
            },
        };
        option.CompletionSources.Clear();
        option.CompletionSources.Add(names);
        return option;
    }

    public static string Name<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}
