namespace Solver.Inference.Algebra;

/// <summary>sin/cos/tan(a·x) = c: exact general solutions for the standard values, numeric ones otherwise.</summary>
public static class TrigSolver
{
    public static Solution Solve(Expr left, Expr right, string? v, List<string> steps)
    {
        var (f, other) = left is Func { Name: not "sqrt" } fl ? (fl, right) : right is Func { Name: not "sqrt" } fr ? (fr, left) : (null, null);
        if (f is null || v is null || other!.Variables().Any())
            throw new AlgebraException("only equations of the form sin(x) = c, cos(x) = c or tan(x) = c are solved when they contain sin, cos, tan, sqrt or pi");
        Rational a;
        try
        {
            var arg = RationalFunction.From(f.Arg, v);
            var p = arg.IsPolynomial ? arg.AsPolynomial() : null;
            if (p is null || p.Degree != 1 || !p[0].IsZero) throw new AlgebraException("");
            a = p[1];
        }
        catch (Exception e) when (e is AlgebraException or NotAlgebraicException)
        {
            throw new AlgebraException($"the argument of {f.Name} must be a multiple of {v}, such as {v} or 2{v}");
        }
        double c = EquationSolver.Numeric(other, 0);
        steps.Add($"{f.Name}({ArgText(a, v)}) = {EquationSolver.Decimal(c)}");
        var families = new List<(Rational Angle, Rational Period)>(); // angle and period as multiples of pi
        if (f.Name is "sin" or "cos" && Math.Abs(c) > 1 + 1e-12)
        {
            steps.Add($"|{f.Name}| is at most 1, so there is no solution");
            return new Solution { Kind = SolutionKind.NoSolution, Variable = v, Message = "no solution", Steps = steps };
        }
        var standard = StandardAngle(f.Name, c);
        if (standard is { } alpha)
        {
            steps.Add($"Standard value: {f.Name}({PiText(alpha)}) = {EquationSolver.Decimal(c)}");
            switch (f.Name)
            {
                case "sin":
                    if (alpha.IsZero) families.Add((0, 1));
                    else if (alpha.Abs() == new Rational(1, 2)) families.Add((alpha, 2));
                    else { families.Add((alpha, 2)); families.Add(((alpha.Sign > 0 ? 1 : -1) - alpha, 2)); }
                    break;
                case "cos":
                    if (alpha == new Rational(1, 2)) families.Add((alpha, 1));
                    else if (alpha.IsZero || alpha == Rational.One) families.Add((alpha, 2));
                    else { families.Add((alpha, 2)); families.Add((-alpha, 2)); }
                    break;
                default:
                    families.Add((alpha, 1));
                    break;
            }
            steps.Add("General solution (k any integer): " + string.Join("; ", families.Select(fm => $"{ArgText(a, v)} = {Family(fm.Angle, fm.Period)}")));
            var sols = families.Select(fm => Family(fm.Angle / a, fm.Period / a.Abs())).ToList();
            if (a != Rational.One) steps.Add($"Divide by {a}: " + string.Join("; ", sols.Select(s => $"{v} = {s}")));
            return new Solution { Kind = SolutionKind.Roots, Variable = v, Solutions = sols, Steps = steps };
        }
        // Not a standard value: principal value numerically, same families.
        double principal = f.Name switch { "sin" => Math.Asin(c), "cos" => Math.Acos(c), _ => Math.Atan(c) };
        var numeric = f.Name switch
        {
            "sin" => new[] { (principal, 2.0), (Math.PI - principal, 2.0) },
            "cos" => new[] { (principal, 2.0), (-principal, 2.0) },
            _ => new[] { (principal, 1.0) },
        };
        double ad = a.ToDouble();
        var list = numeric.Select(n => $"{EquationSolver.Decimal(n.Item1 / ad)}+{PiText(Rational.Parse(EquationSolver.Decimal(n.Item2 / Math.Abs(ad))))}k").ToList();
        steps.Add($"{EquationSolver.Decimal(c)} is not a standard value: the principal angle is {EquationSolver.Decimal(principal)} rad (to 1e-9)");
        return new Solution { Kind = SolutionKind.Roots, Variable = v, Solutions = list, Steps = steps };
    }

    /// <summary>The principal angle, as a multiple of pi, whose sin/cos/tan is c, when it is one of the standard ones.</summary>
    private static Rational? StandardAngle(string f, double c)
    {
        int[] dens = [1, 2, 3, 4, 6];
        var candidates = dens.SelectMany(d => Enumerable.Range(-d, 2 * d + 1).Select(n => new Rational(n, d))).Distinct();
        foreach (var r in candidates.OrderBy(r => r.Abs()).ThenByDescending(r => r.Sign))
        {
            double x = r.ToDouble() * Math.PI;
            bool inRange = f switch
            {
                "sin" => Math.Abs(r.ToDouble()) <= 0.5,
                "cos" => r.Sign >= 0 && r.ToDouble() <= 1,
                _ => Math.Abs(r.ToDouble()) < 0.5,
            };
            if (!inRange) continue;
            double val = f switch { "sin" => Math.Sin(x), "cos" => Math.Cos(x), _ => Math.Tan(x) };
            if (Math.Abs(val - c) < 1e-9) return r;
        }
        return null;
    }

    private static string ArgText(Rational a, string v) => a == Rational.One ? v : a.IsInteger ? $"{a}{v}" : $"({a}){v}";

    /// <summary>r·pi as text: "0", "pi", "-pi/6", "5pi/6", "2pi/3".</summary>
    public static string PiText(Rational r)
    {
        if (r.IsZero) return "0";
        var sign = r.Sign < 0 ? "-" : "";
        var n = System.Numerics.BigInteger.Abs(r.Num);
        var head = n.IsOne ? "pi" : $"{n}pi";
        return r.Den.IsOne ? sign + head : $"{sign}{head}/{r.Den}";
    }

    /// <summary>angle + period·k (both multiples of pi): "pi/6+2k*pi", "k*pi", "pi/2+k*pi".</summary>
    private static string Family(Rational angle, Rational period)
    {
        var p = period.Num.IsOne && period.Den.IsOne ? "k*pi" : period.Den.IsOne ? $"{period.Num}k*pi" : $"{period.Num}k*pi/{period.Den}".Replace("1k*", "k*");
        return angle.IsZero ? p : $"{PiText(angle)}+{p}";
    }
}
