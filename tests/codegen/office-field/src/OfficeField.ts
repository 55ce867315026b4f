// A Relay operation a residents' app cannot have (relay-compiler must refuse it).
declare function graphql(strings: TemplateStringsArray): unknown;

export const fund = graphql`
  mutation OfficeFieldNewFundMutation($regionId: ID!) {
    createFund(input: { regionId: $regionId, fiscalYear: 2026, name: "x", purpose: "y", total: "100" }) { fund { id } }
  }
`;
