import { interpolateList, interpolateSql, sqlString } from './variables';

type Formatter = (value: string | string[], variable: unknown) => string;

/** A template service with the variables Grafana would hold: $user multi, $org single, $all on All. */
const templateSrv = {
  replace(target: string | undefined, _scoped: unknown, format: Formatter) {
    const vars: Record<string, { value: string | string[]; current: { value: string | string[] } }> = {
      user: { value: ['u1', 'o,dd'], current: { value: ['u1', 'o,dd'] } },
      org: { value: 'org_a', current: { value: 'org_a' } },
      all: { value: ['a', 'b', 'c'], current: { value: ['$__all'] } },
      evil: { value: ["x' OR '1'='1", 'back\\slash'], current: { value: ["x' OR '1'='1", 'back\\slash'] } },
    };
    return (target ?? '').replace(/\$(\w+)/g, (m, name) => (vars[name] ? format(vars[name].value, vars[name]) : m));
  },
};

describe('interpolateList', () => {
  it('expands a multi-value variable into separate values, keeping commas inside ids', () => {
    expect(interpolateList(['$user', 'u9'], templateSrv)).toEqual(['u1', 'o,dd', 'u9']);
  });

  it('expands single values and leaves plain values alone', () => {
    expect(interpolateList(['$org'], templateSrv)).toEqual(['org_a']);
    expect(interpolateList(['plain'], templateSrv)).toEqual(['plain']);
  });

  it('drops the filter when a variable is set to All', () => {
    expect(interpolateList(['$all'], templateSrv)).toBeUndefined();
  });

  it('keeps an empty or missing list as it is', () => {
    expect(interpolateList(undefined, templateSrv)).toBeUndefined();
    expect(interpolateList([], templateSrv)).toEqual([]);
  });

  it('removes duplicates', () => {
    expect(interpolateList(['$user', 'u1'], templateSrv)).toEqual(['u1', 'o,dd']);
  });
});

describe('interpolateSql', () => {
  it('turns variable values into escaped string literals', () => {
    expect(interpolateSql('WHERE index1 IN ($user) AND blob2 = $org', templateSrv)).toBe("WHERE index1 IN ('u1', 'o,dd') AND blob2 = 'org_a'");
  });

  it('cannot be broken out of with quotes or backslashes', () => {
    expect(interpolateSql('WHERE index1 IN ($evil)', templateSrv)).toBe("WHERE index1 IN ('x\\' OR \\'1\\'=\\'1', 'back\\\\slash')");
  });

  it('leaves macros for the backend', () => {
    expect(interpolateSql('WHERE $__timeFilter', templateSrv)).toBe('WHERE $__timeFilter');
  });
});

describe('sqlString', () => {
  it('escapes as the worker and the backend do', () => {
    expect(sqlString("it's")).toBe("'it\\'s'");
    expect(sqlString('a\nb')).toBe("'a\\x0ab'");
  });
});
