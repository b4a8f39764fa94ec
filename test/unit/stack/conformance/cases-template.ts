/**
 * Interpolation cases from compose-go's template tests. Mapping of the upstream tests:
 * `defaults` there is { FOO: 'first', BAR: '' }; envMap of the dotenv expansion tests is
 * { EMPTY_VAR: '', TEST_VAR: 'Test Value' }.
 */
import type { TemplateCase } from './types.js';

const T = 'compose-spec/compose-go template/template_test.go';
const D = 'compose-spec/compose-go dotenv/godotenv_var_expansion_test.go';
const defaults = { FOO: 'first', BAR: '' };
const envMap = { EMPTY_VAR: '', TEST_VAR: 'Test Value' };

const ok = (
  source: string,
  template: string,
  expect: string,
  env: Record<string, string> = defaults,
): TemplateCase => ({
  source,
  template,
  env,
  expect,
});
const bad = (
  source: string,
  template: string,
  refused: TemplateCase['refused'],
  message?: string,
  env: Record<string, string> = defaults,
): TemplateCase => ({ source, template, env, refused, ...(message === undefined ? {} : { message }) });

export const TEMPLATE_CASES: TemplateCase[] = [
  ok(`${T} TestEscaped`, '$${foo}', '${foo}'),
  ok(`${T} TestSubstituteNoMatch`, 'foo', 'foo'),
  // TestInvalid also lists '$}': a lone '$' is invalid in that version of compose-go's pattern,
  // while Spin (like compose-go's later pattern, which only flags a bad '${') keeps it literal.
  // It is the one known divergence; docs/compose-conformance.md lists it.
  ...['${', '${}', '${ }', '${ foo}', '${foo }', '${foo!}'].map((t) =>
    bad(`${T} TestInvalid`, t, 'interpolate.invalid'),
  ),
  ok(`${T} TestNonBraced`, '$FOO-bar', 'first-bar'),
  ok(`${T} TestNoValueNoDefault`, 'This ${missing} var', 'This  var'),
  ok(`${T} TestNoValueNoDefault`, 'This ${BAR} var', 'This  var'),
  ok(`${T} TestValueNoDefault`, 'This $FOO var', 'This first var'),
  ok(`${T} TestValueNoDefault`, 'This ${FOO} var', 'This first var'),
  ok(`${T} TestNoValueWithDefault`, 'ok ${missing:-def}', 'ok def'),
  ok(`${T} TestNoValueWithDefault`, 'ok ${missing-def}', 'ok def'),
  ok(`${T} TestEmptyValueWithSoftDefault`, 'ok ${BAR:-def}', 'ok def'),
  ok(`${T} TestValueWithSoftDefault`, 'ok ${FOO:-def}', 'ok first'),
  ok(`${T} TestEmptyValueWithHardDefault`, 'ok ${BAR-def}', 'ok '),
  ok(`${T} TestNonAlphanumericDefault`, 'ok ${BAR:-/non:-alphanumeric}', 'ok /non:-alphanumeric'),
  ok(`${T} TestDefaultsWithNestedExpansion`, 'ok ${UNSET_VAR-$FOO}', 'ok first'),
  ok(`${T} TestDefaultsWithNestedExpansion`, 'ok ${UNSET_VAR-${FOO}}', 'ok first'),
  ok(`${T} TestDefaultsWithNestedExpansion`, 'ok ${UNSET_VAR-${FOO} ${FOO}}', 'ok first first'),
  ok(`${T} TestDefaultsWithNestedExpansion`, 'ok ${BAR:-$FOO}', 'ok first'),
  ok(`${T} TestDefaultsWithNestedExpansion`, 'ok ${BAR:-${FOO}}', 'ok first'),
  ok(`${T} TestDefaultsWithNestedExpansion`, 'ok ${BAR:-${FOO} ${FOO}}', 'ok first first'),
  bad(
    `${T} TestMandatoryVariableErrors`,
    'not ok ${UNSET_VAR:?Mandatory Variable Unset}',
    'interpolate.required',
    'Mandatory Variable Unset',
  ),
  bad(
    `${T} TestMandatoryVariableErrors`,
    'not ok ${BAR:?Mandatory Variable Empty}',
    'interpolate.required',
    'Mandatory Variable Empty',
  ),
  bad(`${T} TestMandatoryVariableErrors`, 'not ok ${UNSET_VAR:?}', 'interpolate.required', 'UNSET_VAR'),
  bad(
    `${T} TestMandatoryVariableErrors`,
    'not ok ${UNSET_VAR?Mandatory Variable Unset}',
    'interpolate.required',
    'Mandatory Variable Unset',
  ),
  bad(`${T} TestMandatoryVariableErrors`, 'not ok ${UNSET_VAR?}', 'interpolate.required', 'UNSET_VAR'),
  bad(
    `${T} TestMandatoryVariableErrorsWithNestedExpansion`,
    'not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}',
    'interpolate.required',
    'Mandatory Variable first',
  ),
  bad(
    `${T} TestMandatoryVariableErrorsWithNestedExpansion`,
    'not ok ${UNSET_VAR?Mandatory Variable ${FOO}}',
    'interpolate.required',
    'Mandatory Variable first',
  ),
  ok(`${T} TestDefaultsForMandatoryVariables`, 'ok ${FOO:?err}', 'ok first'),
  ok(`${T} TestDefaultsForMandatoryVariables`, 'ok ${FOO?err}', 'ok first'),
  ok(`${T} TestDefaultsForMandatoryVariables`, 'ok ${BAR?err}', 'ok '),
  bad(`${T} TestPrecedence`, '${UNSET_VAR?bar-baz}', 'interpolate.required', 'bar-baz'),
  ok(`${T} TestPrecedence`, '${UNSET_VAR-myerror?msg}', 'myerror?msg'),
  ok(`${T} TestPrecedence`, '${FOO?bar-baz}', 'first'),
  ok(`${T} TestPrecedence`, '${BAR:-default_value_for_empty_var}', 'default_value_for_empty_var'),
  ok(`${T} TestPrecedence`, '${UNSET_VAR-default_value_for_unset_var}', 'default_value_for_unset_var'),
  // TestSubstitutionFunctionChoice: the first operator decides; checked through its effect.
  bad(
    `${T} TestSubstitutionFunctionChoice "Error when EMPTY or UNSET"`,
    '${VARNAME:?val?ue}',
    'interpolate.required',
    'val?ue',
  ),
  bad(
    `${T} TestSubstitutionFunctionChoice "Error when UNSET 1"`,
    '${VARNAME?val:?ue}',
    'interpolate.required',
    'val:?ue',
  ),
  bad(
    `${T} TestSubstitutionFunctionChoice "Error when UNSET 2"`,
    '${VARNAME?va-lu+e:?e}',
    'interpolate.required',
    'va-lu+e:?e',
  ),
  bad(
    `${T} TestSubstitutionFunctionChoice "Error when UNSET 3"`,
    '${VARNAME?va+lu-e:?e}',
    'interpolate.required',
    'va+lu-e:?e',
  ),
  ok(`${T} TestSubstitutionFunctionChoice "Default when EMPTY or UNSET"`, '${VARNAME:-value}', 'value'),
  ok(`${T} TestSubstitutionFunctionChoice "Default when UNSET 1"`, '${VARNAME-va:-lu:?e}', 'va:-lu:?e'),
  ok(`${T} TestSubstitutionFunctionChoice "Default when UNSET 2"`, '${VARNAME-va+lu?e}', 'va+lu?e'),
  ok(`${T} TestSubstitutionFunctionChoice "Default when UNSET 3"`, '${VARNAME-va?lu+e}', 'va?lu+e'),
  ok(`${T} TestSubstitutionFunctionChoice "Default when NOT EMPTY"`, '${VARNAME:+va:?lu:-e}', 'va:?lu:-e', {
    VARNAME: 'x',
  }),
  ok(`${T} TestSubstitutionFunctionChoice "Default when SET 1"`, '${VARNAME+va:+lue}', 'va:+lue', {
    VARNAME: '',
  }),
  ok(`${T} TestSubstitutionFunctionChoice "Default when SET 2"`, '${VARNAME+va?lu-e}', 'va?lu-e', {
    VARNAME: 'x',
  }),
  ok(`${T} TestSubstitutionFunctionChoice "Default when SET 3"`, '${VARNAME+va-lu?e}', 'va-lu?e', {
    VARNAME: 'x',
  }),
  ok(`${T} TestSubstitutionFunctionChoice (unset: no alternative)`, '${VARNAME:+va:?lu:-e}', ''),
  // The same operators, as the dotenv tests drive them.
  ok(
    `${D} TestExpandIfEmptyOrUnset UNSET_VAR`,
    'RESULT=${UNSET_VAR:-Default Value}',
    'RESULT=Default Value',
    envMap,
  ),
  ok(
    `${D} TestExpandIfEmptyOrUnset EMPTY_VAR`,
    'RESULT=${EMPTY_VAR:-Default Value}',
    'RESULT=Default Value',
    envMap,
  ),
  ok(
    `${D} TestExpandIfEmptyOrUnset TEST_VAR`,
    'RESULT=${TEST_VAR:-Default Value}',
    'RESULT=Test Value',
    envMap,
  ),
  ok(`${D} TestExpandIfUnset UNSET_VAR`, 'RESULT=${UNSET_VAR-Default Value}', 'RESULT=Default Value', envMap),
  ok(`${D} TestExpandIfUnset EMPTY_VAR`, 'RESULT=${EMPTY_VAR-Default Value}', 'RESULT=', envMap),
  ok(`${D} TestExpandIfUnset TEST_VAR`, 'RESULT=${TEST_VAR-Default Value}', 'RESULT=Test Value', envMap),
  bad(
    `${D} TestErrorIfEmptyOrUnset UNSET_VAR`,
    'RESULT=${UNSET_VAR:?Test error}',
    'interpolate.required',
    'Test error',
    envMap,
  ),
  bad(
    `${D} TestErrorIfEmptyOrUnset EMPTY_VAR`,
    'RESULT=${EMPTY_VAR:?Test error}',
    'interpolate.required',
    'Test error',
    envMap,
  ),
  ok(
    `${D} TestErrorIfEmptyOrUnset TEST_VAR`,
    'RESULT=${TEST_VAR:?Default Value}',
    'RESULT=Test Value',
    envMap,
  ),
  bad(
    `${D} TestErrorIfUnset UNSET_VAR`,
    'RESULT=${UNSET_VAR?Test error}',
    'interpolate.required',
    'Test error',
    envMap,
  ),
  ok(`${D} TestErrorIfUnset EMPTY_VAR`, 'RESULT=${EMPTY_VAR?Test error}', 'RESULT=', envMap),
  ok(`${D} TestErrorIfUnset TEST_VAR`, 'RESULT=${TEST_VAR?Default Value}', 'RESULT=Test Value', envMap),
];
