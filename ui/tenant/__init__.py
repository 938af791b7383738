"""The tenant's touchscreen: screens that render :mod:`kiosk.session` views and forward taps.

controller      -- TenantController: card events, taps and the tick to the session, views back
screens         -- one module per screen (attract, account, amount, paying, writing, card_away,
                   done, message), each rendering one view payload
text            -- a session Message as the shown, translated sentence
message_catalog -- every session sentence marked for Qt Linguist (generated from MESSAGES)
style           -- tone colours and the tenant screens' own style rules

Nothing here decides: limits, money, timeouts and the state machine live in kiosk.session.
"""
