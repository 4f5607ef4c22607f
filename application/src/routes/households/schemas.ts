import { Type, type Static } from '@sinclair/typebox';
import { Id, Interval, Passthrough, PositiveInt, NonNegativeInt } from '../common';

export const HouseholdParams = Type.Object({ id: Id('household ID') });

export const PrivateDetails = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    address: Type.String({ minLength: 1, maxLength: 500 }),
    email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' }),
  },
  { additionalProperties: false, description: 'kept in the retailer\'s private data collection; only a salted hash is public' },
);

export const OnboardBody = Type.Object(
  {
    householdId: Id('household ID, pseudonymous'),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    privateDetails: PrivateDetails,
    creditLimit: Type.Optional(NonNegativeInt('money units the household may go below zero')),
  },
  { additionalProperties: false },
);
export type OnboardBody = Static<typeof OnboardBody>;

export const Member = Passthrough({
  userId: Type.Optional(Type.String()),
  role: Type.Optional(Type.String()),
  canTrade: Type.Optional(Type.Boolean()),
});

/** What cleared, unsettled intervals will cost the household, and what a withdrawal may take. */
const Funds = {
  committed: Type.Optional(Type.Integer({ description: 'money units the household\'s cleared, unsettled intervals will cost it at settlement' })),
  available: Type.Optional(Type.Integer({ description: 'balance − committed: the most a withdrawal may take (negative if imbalance charges took the balance below the commitments)' })),
};

export const Household = Passthrough(
  {
    householdId: Type.Optional(Type.String()),
    displayName: Type.Optional(Type.String()),
    retailer: Type.Optional(Type.String()),
    balance: Type.Optional(Type.Integer()),
    ...Funds,
    members: Type.Optional(Type.Array(Member)),
    meters: Type.Optional(Type.Array(Type.String())),
    privateDetails: Type.Optional(PrivateDetails),
  },
  'a household; private details only for its retailer and its members',
);

export const AddMemberBody = Type.Object(
  {
    userId: Id('gateway user ID for the new member'),
    role: Type.Union([Type.Literal('owner'), Type.Literal('member')]),
    canTrade: Type.Optional(Type.Boolean({ description: 'members only: may place orders (owners always trade: false is refused for an owner)' })),
  },
  { additionalProperties: false },
);
export type AddMemberBody = Static<typeof AddMemberBody>;

export const Statement = Passthrough({
  balance: Type.Optional(Type.Integer()),
  ...Funds,
  entries: Type.Array(
    Passthrough({
      txId: Type.Optional(Type.String()),
      interval: Type.Optional(Interval),
      kind: Type.Optional(Type.String()),
      amount: Type.Optional(Type.Integer()),
      balanceAfter: Type.Optional(Type.Integer()),
    }),
  ),
});

export const AmountBody = Type.Object(
  { amount: PositiveInt('money units (see moneyScale)') },
  { additionalProperties: false },
);
export type AmountBody = Static<typeof AmountBody>;

export const MoneyEntry = Passthrough({
  entryId: Type.Optional(Type.String()),
  householdId: Type.Optional(Type.String()),
  amount: Type.Optional(Type.Integer()),
  balanceAfter: Type.Optional(Type.Integer()),
  txId: Type.Optional(Type.String()),
});
