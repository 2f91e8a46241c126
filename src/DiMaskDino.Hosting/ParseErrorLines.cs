using System.CommandLine;
using System.CommandLine.Parsing;

namespace DiMaskDino.Hosting;

/// <summary>What a user reads when their command line does not parse: the option, the value and what it should be.</summary>
public static class ParseErrorLines
{
    public static IReadOnlyList<string> For(ParseResult parsed)
    {
        var lines = parsed.Errors.Select(error => "error: " + Describe(error)).Distinct().ToList();
        lines.Add($"run '{CommandPath(parsed.CommandResult)} --help' for the options");
        return lines;
    }

    private static string Describe(ParseError error)
    {
        var result = error.SymbolResult switch
        {
            OptionResult optionResult => optionResult,
            ArgumentResult { Parent: OptionResult optionResult } => optionResult,
            _ => null,
        };
        if (result is { Option: var option, Tokens.Count: > 0 } && error.Message.Contains(ValueTypeOf(option).FullName!, StringComparison.Ordinal))
        {
            return $"{option.Name}: '{result.Tokens[^1].Value}' is not {ValueWord(ValueTypeOf(option))}";
        }

        return string.Join(' ', error.Message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static Type ValueTypeOf(Option option) => Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;

    private static string ValueWord(Type valueType)
    {
        if (valueType.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(valueType).Select(name => name.ToLowerInvariant()));
        }

        return Type.GetTypeCode(valueType) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            _ when valueType == typeof(TimeSpan) => "a duration such as 00:10:00",
            _ => "a valid " + valueType.Name.ToLowerInvariant(),
        };
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? symbol = command; symbol is not null; symbol = symbol.Parent)
        {
            if (symbol is CommandResult { Command: var c })
            {
                names.Insert(0, c is RootCommand ? RootCommand.ExecutableName : c.Name);
            }
        }

        return string.Join(' ', names);
    }
}
