<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AccountScreen</name>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Alerts</source>
        <translation>告警</translation>
    </message>
    <message>
        <source>Bought, not yet loaded into the meter</source>
        <translation>已购买，尚未充入表内</translation>
    </message>
    <message>
        <source>Credit in the meter</source>
        <translation>表内余额</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Last top-ups</source>
        <translation>最近充值记录</translation>
    </message>
    <message>
        <source>Meter card {card}</source>
        <translation>水电卡 {card}</translation>
    </message>
    <message>
        <source>Meter reading</source>
        <extracomment>rows of the last top-ups (the session sends at most 5)</extracomment>
        <translation>表读数</translation>
    </message>
    <message>
        <source>No top-ups yet.</source>
        <translation>暂无充值记录。</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>已停止供应</translation>
    </message>
    <message>
        <source>On</source>
        <translation>正常供应</translation>
    </message>
    <message>
        <source>On your card</source>
        <translation>卡内余额</translation>
    </message>
    <message>
        <source>Service fee per top-up</source>
        <translation>每次充值服务费</translation>
    </message>
    <message>
        <source>Supply</source>
        <translation>供应状态</translation>
    </message>
    <message>
        <source>Tariff</source>
        <translation>费率</translation>
    </message>
    <message>
        <source>Top up</source>
        <translation>充值</translation>
    </message>
    <message>
        <source>Wallet card {card}</source>
        <translation>钱包卡 {card}</translation>
    </message>
    <message>
        <source>Your card</source>
        <translation>您的卡</translation>
    </message>
    <message>
        <source>Your meter has not reported yet.</source>
        <translation>您的水电表尚未上报数据。</translation>
    </message>
    <message>
        <source>Your meter reported at {time}</source>
        <translation>水电表上报时间：{time}</translation>
    </message>
    <message>
        <source>emergency credit in use</source>
        <translation>正在使用应急额度</translation>
    </message>
    <message>
        <source>low battery</source>
        <translation>电池电量低</translation>
    </message>
    <message>
        <source>low credit</source>
        <translation>余额不足</translation>
    </message>
    <message>
        <source>tamper alarm</source>
        <translation>防拆告警</translation>
    </message>
</context>
<context>
    <name>AdminCalls</name>
    <message>
        <source>Something went wrong. Try again; if it happens again, call a technician.</source>
        <translation>操作出错。请重试；如再次出错，请联系技术人员。</translation>
    </message>
</context>
<context>
    <name>AdminScreen</name>
    <message>
        <source>Back to the menu</source>
        <translation>返回菜单</translation>
    </message>
    <message>
        <source>Working…</source>
        <extracomment>the staff member tapped Back: the controller shows the menu</extracomment>
        <translation>处理中…</translation>
    </message>
</context>
<context>
    <name>AmountScreen</name>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Choose or type an amount</source>
        <extracomment>a preset amount (minor units) was tapped the keypad&apos;s whole text after a keystroke</extracomment>
        <translation>请选择或输入金额</translation>
    </message>
    <message>
        <source>Debt repaid {debt}</source>
        <translation>抵扣欠费 {debt}</translation>
    </message>
    <message>
        <source>Onto the card {credit}</source>
        <translation>实际到卡 {credit}</translation>
    </message>
    <message>
        <source>Pay</source>
        <translation>支付</translation>
    </message>
    <message>
        <source>Service fee {fee}</source>
        <translation>服务费 {fee}</translation>
    </message>
</context>
<context>
    <name>AttractScreen</name>
    <message>
        <source>See your balance and top up electricity, water and services. Pay by scanning a QR code with your phone.</source>
        <translation>可查询余额，为电费、水费及其他服务充值。用手机扫码即可支付。</translation>
    </message>
    <message>
        <source>Tap or insert your card</source>
        <extracomment>a language button was tapped</extracomment>
        <translation>请刷卡或插卡</translation>
    </message>
</context>
<context>
    <name>AuditScreen</name>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>The latest {n} entries, newest first.</source>
        <translation>最近 {n} 条记录，最新的在前。</translation>
    </message>
</context>
<context>
    <name>CardAwayScreen</name>
    <message>
        <source>Put your card back</source>
        <translation>请放回卡片</translation>
    </message>
    <message>
        <source>Time left: {time}</source>
        <translation>剩余时间：{time}</translation>
    </message>
</context>
<context>
    <name>CashScreen</name>
    <message>
        <source>Cash taken ({currency})</source>
        <translation>收取现金（{currency}）</translation>
    </message>
    <message>
        <source>Cash top-up</source>
        <translation>现金充值</translation>
    </message>
    <message>
        <source>No</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>备注（选填）</translation>
    </message>
    <message>
        <source>On the card now: {value}. Order {reference}.</source>
        <translation>卡内现有 {value}。订单号 {reference}。</translation>
    </message>
    <message>
        <source>Put the tenant&apos;s card on the reader and keep it there, then tap Top up.</source>
        <translation>请将租户的卡放在读卡器上，不要移开，然后点击“充值”。</translation>
    </message>
    <message>
        <source>Put {amount} in cash on the card on the reader?</source>
        <translation>将现金 {amount} 充入读卡器上的卡？</translation>
    </message>
    <message>
        <source>Top up</source>
        <translation>充值</translation>
    </message>
    <message>
        <source>Yes, put it on the card</source>
        <translation>确认充入卡内</translation>
    </message>
</context>
<context>
    <name>DayEndScreen</name>
    <message>
        <source>Close the day (Z report)</source>
        <translation>日结（Z 报表）</translation>
    </message>
    <message>
        <source>Close the figures since the last Z report, up to now? They cannot be reopened.</source>
        <translation>结算上次 Z 报表以来至现在的数据？结算后无法撤销。</translation>
    </message>
    <message>
        <source>Day end</source>
        <translation>日结</translation>
    </message>
    <message>
        <source>No</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>The X report shows the figures since the last Z report and changes nothing. The Z report closes them for good: the next Z starts where it ends.</source>
        <translation>X 报表显示上次 Z 报表以来的数据，不做任何更改。Z 报表结算这些数据，且无法撤销：下一张 Z 报表从它结束的时刻开始。</translation>
    </message>
    <message>
        <source>X report</source>
        <translation>X 报表</translation>
    </message>
    <message>
        <source>X report since {start}: nothing recorded.</source>
        <translation>自 {start} 以来的 X 报表：仅供查看，未做记录。</translation>
    </message>
    <message>
        <source>Yes, close the day</source>
        <translation>确认日结</translation>
    </message>
    <message>
        <source>Z {number} recorded: no top-ups or refunds since {start}.</source>
        <translation>Z 报表 {number} 已记录：自 {start} 以来没有充值或退款。</translation>
    </message>
    <message>
        <source>Z {number} recorded: {start} to {end} is closed.</source>
        <translation>Z 报表 {number} 已记录：{start} 至 {end} 已结算。</translation>
    </message>
</context>
<context>
    <name>DoneScreen</name>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Thank you</source>
        <extracomment>a receipt link is scanned to keep it, not in a hurry: a smaller code than the payment&apos;s</extracomment>
        <translation>感谢使用</translation>
    </message>
</context>
<context>
    <name>HardwareScreen</name>
    <message>
        <source>Check again</source>
        <translation>重新检测</translation>
    </message>
    <message>
        <source>Every part that is set up works.</source>
        <translation>所有已配置的部件均工作正常。</translation>
    </message>
    <message>
        <source>Hardware check</source>
        <extracomment>(component, status, detail) labels of the last check, in the service&apos;s order</extracomment>
        <translation>硬件检测</translation>
    </message>
    <message>
        <source>Not set up</source>
        <translation>未配置</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>{n} part(s) need attention.</source>
        <translation>有 {n} 个部件需要处理。</translation>
    </message>
</context>
<context>
    <name>IssueScreen</name>
    <message>
        <source>Bound to meter {meter}.</source>
        <translation>已绑定表号 {meter}。</translation>
    </message>
    <message>
        <source>Card serial (printed on it)</source>
        <translation>卡序列号（印在卡上）</translation>
    </message>
    <message>
        <source>Issue</source>
        <translation>发卡</translation>
    </message>
    <message>
        <source>Issue a tenant&apos;s card</source>
        <translation>为租户发卡</translation>
    </message>
    <message>
        <source>Issued: {role}, serial {serial}, UID {uid}, for tenant {tenant} ({card_type}).</source>
        <translation>已发卡：{role}，序列号 {serial}，UID {uid}，租户 {tenant}（{card_type}）。</translation>
    </message>
    <message>
        <source>Meter card</source>
        <translation>水电卡</translation>
    </message>
    <message>
        <source>Meter number (meter card)</source>
        <translation>表号（水电卡）</translation>
    </message>
    <message>
        <source>Put a blank card on the reader, then tap Issue.</source>
        <translation>请将空白卡放在读卡器上，然后点击“发卡”。</translation>
    </message>
    <message>
        <source>Tariff code (new meter)</source>
        <translation>费率代码（新表）</translation>
    </message>
    <message>
        <source>Tenant name (new tenant)</source>
        <translation>租户名称（新租户）</translation>
    </message>
    <message>
        <source>Tenant number</source>
        <translation>租户编号</translation>
    </message>
    <message>
        <source>The card is ready: hand it to the tenant.</source>
        <translation>卡片已就绪，请交给租户。</translation>
    </message>
    <message>
        <source>This finished an issue that was cut short earlier.</source>
        <translation>已完成此前中断的发卡。</translation>
    </message>
    <message>
        <source>Unit (new tenant)</source>
        <translation>房号（新租户）</translation>
    </message>
    <message>
        <source>Wallet card</source>
        <translation>钱包卡</translation>
    </message>
    <message>
        <source>meter card</source>
        <translation>水电卡</translation>
    </message>
    <message>
        <source>wallet card</source>
        <translation>钱包卡</translation>
    </message>
</context>
<context>
    <name>Keyboard</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Caps lock</source>
        <translation>大写锁定</translation>
    </message>
    <message>
        <source>Cursor left</source>
        <translation>光标左移</translation>
    </message>
    <message>
        <source>Cursor right</source>
        <translation>光标右移</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Letters</source>
        <translation>字母</translation>
    </message>
    <message>
        <source>New line</source>
        <translation>换行</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>上档</translation>
    </message>
    <message>
        <source>Space</source>
        <translation>空格</translation>
    </message>
    <message>
        <source>Symbols</source>
        <translation>符号</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Delete</source>
        <extracomment>the longest entry the keypad takes: beyond it a keystroke is ignored (no amount or PIN is longer) the whole entry after every keystroke</extracomment>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>MenuScreen</name>
    <message>
        <source>Admin mode</source>
        <extracomment>screen key (after &quot;admin.&quot;) -&gt; the action that opens it, in menu order</extracomment>
        <translation>管理员模式</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Cash top-up</source>
        <translation>现金充值</translation>
    </message>
    <message>
        <source>Day end (X and Z)</source>
        <translation>日结（X/Z 报表）</translation>
    </message>
    <message>
        <source>Hardware check</source>
        <translation>硬件检测</translation>
    </message>
    <message>
        <source>Issue a card</source>
        <translation>发卡</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Read a card</source>
        <translation>读卡</translation>
    </message>
    <message>
        <source>Refund a top-up</source>
        <translation>充值退款</translation>
    </message>
    <message>
        <source>Replace a lost card</source>
        <translation>挂失补卡</translation>
    </message>
    <message>
        <source>Reprint a receipt</source>
        <translation>补打小票</translation>
    </message>
    <message>
        <source>Signed in as {name} ({role}).</source>
        <translation>已登录：{name}（{role}）。</translation>
    </message>
    <message>
        <source>Sync status</source>
        <translation>同步状态</translation>
    </message>
    <message>
        <source>Tariffs</source>
        <translation>费率</translation>
    </message>
    <message>
        <source>manager</source>
        <translation>经理</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>操作员</translation>
    </message>
</context>
<context>
    <name>MessageScreen</name>
    <message>
        <source>A member of staff can help: ask at the front desk.</source>
        <translation>如需帮助，请到前台咨询工作人员。</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>PayingScreen</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Scan the code with your phone to pay</source>
        <translation>请用手机扫码支付</translation>
    </message>
    <message>
        <source>Time left to pay: {time}</source>
        <translation>剩余支付时间：{time}</translation>
    </message>
</context>
<context>
    <name>PinScreen</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Enter your PIN.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>Hello, {name}. Enter your PIN.</source>
        <translation>{name}，您好。请输入密码。</translation>
    </message>
    <message>
        <source>Keep your staff card on the reader until you are signed in.</source>
        <translation>登录完成前，请勿移开员工卡。</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Staff sign-in</source>
        <translation>员工登录</translation>
    </message>
</context>
<context>
    <name>PrintOutcome</name>
    <message>
        <source>No printer is set up: the text is shown here.</source>
        <translation>未配置打印机，内容显示在此处。</translation>
    </message>
    <message>
        <source>Not printed: {problem}</source>
        <translation>未打印：{problem}</translation>
    </message>
    <message>
        <source>Printed.</source>
        <translation>已打印。</translation>
    </message>
</context>
<context>
    <name>ReadCardScreen</name>
    <message>
        <source>A tap at this kiosk accepts this card.</source>
        <translation>本机可正常受理此卡。</translation>
    </message>
    <message>
        <source>A tap at this kiosk refuses this card: {why}</source>
        <translation>本机拒绝受理此卡：{why}</translation>
    </message>
    <message>
        <source>Put the card on the reader, then tap Read. Nothing is written to it.</source>
        <translation>请将卡放在读卡器上，然后点击“读取”。不会向卡内写入任何数据。</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>读取</translation>
    </message>
    <message>
        <source>Read a card</source>
        <translation>读卡</translation>
    </message>
    <message>
        <source>{card_type}, UID {uid}.</source>
        <translation>{card_type}，UID {uid}。</translation>
    </message>
</context>
<context>
    <name>RefundScreen</name>
    <message>
        <source>Done: {order}</source>
        <translation>已完成：{order}</translation>
    </message>
    <message>
        <source>No</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No paid top-up waits to be refunded.</source>
        <translation>没有待退款的已支付充值。</translation>
    </message>
    <message>
        <source>Paid top-ups whose credit is not on a card:</source>
        <translation>已支付但未到卡的充值：</translation>
    </message>
    <message>
        <source>Reason for the refund</source>
        <translation>退款原因</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Refund a top-up</source>
        <translation>充值退款</translation>
    </message>
    <message>
        <source>Refund {amount} of {reference} to the tenant?</source>
        <translation>将订单 {reference} 的 {amount} 退还给租户？</translation>
    </message>
    <message>
        <source>Tap the top-up to refund in the list first.</source>
        <translation>请先在列表中点选要退款的充值。</translation>
    </message>
    <message>
        <source>The refund is booked.</source>
        <translation>退款已登记。</translation>
    </message>
    <message>
        <source>Yes, refund</source>
        <translation>确认退款</translation>
    </message>
</context>
<context>
    <name>ReplaceScreen</name>
    <message>
        <source>A replacement of this card was begun: Replace finishes it.</source>
        <translation>此卡的补卡已开始但未完成：点击“补卡”即可完成。</translation>
    </message>
    <message>
        <source>As of {when}.</source>
        <translation>截至 {when}。</translation>
    </message>
    <message>
        <source>Card {serial} ({role}, {status}) of tenant {tenant}.</source>
        <translation>租户 {tenant} 的卡 {serial}（{role}，{status}）。</translation>
    </message>
    <message>
        <source>Carry the last known value anyway</source>
        <translation>仍按最后已知余额转入</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>Find the lost card and tap it in the list first.</source>
        <translation>请先查找丢失的卡，并在列表中点选。</translation>
    </message>
    <message>
        <source>Find the lost card by its serial or its UID:</source>
        <translation>按序列号或 UID 查找丢失的卡：</translation>
    </message>
    <message>
        <source>Last known: {source}.</source>
        <translation>最后已知依据：{source}。</translation>
    </message>
    <message>
        <source>No</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No card here has that serial or UID.</source>
        <translation>本处没有该序列号或 UID 的卡。</translation>
    </message>
    <message>
        <source>Put the new blank card on the reader, then tap Replace.</source>
        <translation>请将新的空白卡放在读卡器上，然后点击“补卡”。</translation>
    </message>
    <message>
        <source>Reason (lost, stolen, broken)</source>
        <translation>原因（丢失、被盗、损坏）</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>补卡</translation>
    </message>
    <message>
        <source>Replace a lost card</source>
        <translation>挂失补卡</translation>
    </message>
    <message>
        <source>Replace card {serial}? The old card stops working for good.</source>
        <translation>确定补办卡 {serial}？旧卡将永久失效。</translation>
    </message>
    <message>
        <source>Replaced: the new card (serial {serial}, UID {uid}) carries {value}.</source>
        <translation>补卡完成：新卡（序列号 {serial}，UID {uid}）已转入 {value}。</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>序列号</translation>
    </message>
    <message>
        <source>Serial of the new card (printed on it)</source>
        <translation>新卡序列号（印在卡上）</translation>
    </message>
    <message>
        <source>The new card will carry {value}, purchase {seq}.</source>
        <translation>新卡将转入 {value}，购买序号 {seq}。</translation>
    </message>
    <message>
        <source>The new card will carry {value}.</source>
        <translation>新卡将转入 {value}。</translation>
    </message>
    <message>
        <source>The old card is refused at every tap from now on.</source>
        <translation>从现在起，旧卡刷卡一律被拒绝。</translation>
    </message>
    <message>
        <source>This finished a replacement begun earlier.</source>
        <translation>已完成此前开始的补卡。</translation>
    </message>
    <message>
        <source>UID</source>
        <translation>UID</translation>
    </message>
    <message>
        <source>Yes, replace</source>
        <translation>确认补卡</translation>
    </message>
    <message>
        <source>{n} paid top-up(s) of {amount} waiting for the old card go on it.</source>
        <translation>旧卡有 {n} 笔已支付待到账的充值（共 {amount}），将转入新卡。</translation>
    </message>
</context>
<context>
    <name>ReprintScreen</name>
    <message>
        <source>Finished top-ups:</source>
        <translation>已完成的充值：</translation>
    </message>
    <message>
        <source>No finished top-up has a receipt yet.</source>
        <translation>已完成的充值中暂无小票。</translation>
    </message>
    <message>
        <source>Reprint</source>
        <translation>补打</translation>
    </message>
    <message>
        <source>Reprint a receipt</source>
        <translation>补打小票</translation>
    </message>
    <message>
        <source>Tap the top-up in the list first.</source>
        <translation>请先在列表中点选一笔充值。</translation>
    </message>
</context>
<context>
    <name>SyncScreen</name>
    <message>
        <source>Messages waiting to be sent: {n}</source>
        <translation>待发送消息：{n} 条</translation>
    </message>
    <message>
        <source>Nothing waits.</source>
        <translation>没有待发送的消息。</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Sync backend: not set up yet.</source>
        <translation>同步后台：尚未配置。</translation>
    </message>
    <message>
        <source>Sync backend: set up.</source>
        <translation>同步后台：已配置。</translation>
    </message>
    <message>
        <source>Sync status</source>
        <translation>同步状态</translation>
    </message>
    <message>
        <source>The oldest waits since {when}.</source>
        <translation>最早一条自 {when} 起等待发送。</translation>
    </message>
</context>
<context>
    <name>TariffsScreen</name>
    <message>
        <source> (in force)</source>
        <translation>（生效中）</translation>
    </message>
    <message>
        <source>Publish as a new version</source>
        <translation>发布为新版本</translation>
    </message>
    <message>
        <source>Published {ref}, valid from {when}.</source>
        <translation>已发布 {ref}，自 {when} 起生效。</translation>
    </message>
    <message>
        <source>Tariffs</source>
        <translation>费率</translation>
    </message>
    <message>
        <source>The version as JSON. To change a price, edit it, raise the version, publish.</source>
        <translation>此版本的 JSON。如需调价：编辑内容，提高版本号，然后发布。</translation>
    </message>
    <message>
        <source>Versions (tap one to see it):</source>
        <translation>版本（点击查看）：</translation>
    </message>
</context>
<context>
    <name>WritingScreen</name>
    <message>
        <source>Keep your card on the reader</source>
        <translation>请勿移开卡片</translation>
    </message>
</context>
<context>
    <name>admin_messages</name>
    <message>
        <source>&apos;{text}&apos; has more than {digits} decimal places.</source>
        <translation>“{text}”的小数位超过 {digits} 位。</translation>
    </message>
    <message>
        <source>&apos;{text}&apos; is not an amount.</source>
        <translation>“{text}”不是有效金额。</translation>
    </message>
    <message>
        <source>A PIN is 4 to 8 digits (0-9), nothing else.</source>
        <translation>PIN 码须为 4 至 8 位数字（0-9），不能含其他字符。</translation>
    </message>
    <message>
        <source>A PIN of consecutive digits (such as 1234) is too easy to guess.</source>
        <translation>连续数字组成的 PIN 码（如 1234）太容易被猜到。</translation>
    </message>
    <message>
        <source>A PIN of one digit repeated (such as 0000) is too easy to guess.</source>
        <translation>同一数字重复组成的 PIN 码（如 0000）太容易被猜到。</translation>
    </message>
    <message>
        <source>A PIN of one pair repeated (such as 1212) is too easy to guess.</source>
        <translation>同一组数字重复组成的 PIN 码（如 1212）太容易被猜到。</translation>
    </message>
    <message>
        <source>A card replacement needs a reason (lost, stolen, broken).</source>
        <translation>补卡必须填写原因（遗失、被盗、损坏）。</translation>
    </message>
    <message>
        <source>A card serial is a number from 1 to {max}.</source>
        <translation>卡序列号须为 1 至 {max} 之间的数字。</translation>
    </message>
    <message>
        <source>A manager cannot {action}: ask a manager.</source>
        <translation>经理无权{action}：请找上级经理。</translation>
    </message>
    <message>
        <source>A meter card needs the meter it is bound to.</source>
        <translation>水电卡必须绑定一块表。</translation>
    </message>
    <message>
        <source>A meter id is a number from 1 to {max}.</source>
        <translation>表号须为 1 至 {max} 之间的数字。</translation>
    </message>
    <message>
        <source>A meter measures electricity or water, not {utility}.</source>
        <translation>表只能计量电或水，不能是 {utility}。</translation>
    </message>
    <message>
        <source>A part of the kiosk failed: {detail}</source>
        <translation>自助机的某个部件出错：{detail}</translation>
    </message>
    <message>
        <source>A refund needs a reason.</source>
        <translation>退款必须填写原因。</translation>
    </message>
    <message>
        <source>A staff card carries no value: block it and issue the staff member a new one.</source>
        <translation>员工卡不储值：请停用该卡，并为该员工发一张新卡。</translation>
    </message>
    <message>
        <source>A staff id is a whole number from 1.</source>
        <translation>员工编号须为从 1 开始的整数。</translation>
    </message>
    <message>
        <source>A staff member needs a name (1-{max} characters).</source>
        <translation>员工姓名须为 1 至 {max} 个字符。</translation>
    </message>
    <message>
        <source>A tenant id is a number from 1 to {max}.</source>
        <translation>租户编号须为 1 至 {max} 之间的数字。</translation>
    </message>
    <message>
        <source>A tenant&apos;s card is a meter card or a wallet card.</source>
        <translation>租户的卡只能是水电卡或钱包卡。</translation>
    </message>
    <message>
        <source>An operator cannot {action}: ask a manager.</source>
        <translation>操作员无权{action}：请找经理。</translation>
    </message>
    <message>
        <source>Another Z report was taken at the same time: take the Z report again for the time since.</source>
        <translation>同一时间已有另一份 Z 报表生成：请为此后的时段重新做 Z 报表。</translation>
    </message>
    <message>
        <source>Backend {url}: {waiting}; {sent}; {pulled}.</source>
        <translation>后台 {url}：{waiting}；{sent}；{pulled}。</translation>
    </message>
    <message>
        <source>Backend {url}: {waiting}; {sent}; {pulled}; last error: {error}.</source>
        <translation>后台 {url}：{waiting}；{sent}；{pulled}；最近一次错误：{error}。</translation>
    </message>
    <message>
        <source>Blocking a card needs a reason.</source>
        <translation>停用卡片必须填写原因。</translation>
    </message>
    <message>
        <source>Card {uid} is already {status}.</source>
        <translation>卡 {uid} 已是{status}状态。</translation>
    </message>
    <message>
        <source>Card {uid} is {status}: it cannot be replaced.</source>
        <translation>卡 {uid} 为{status}状态，不能补卡。</translation>
    </message>
    <message>
        <source>Card {uid} was already replaced by {new_uid}.</source>
        <translation>卡 {uid} 已被卡 {new_uid} 替换。</translation>
    </message>
    <message>
        <source>Debt recovery: {share} % of each top-up</source>
        <translation>欠款回收：每次充值的 {share} %</translation>
    </message>
    <message>
        <source>Debt recovery: {share} % of each top-up, at most {cap}</source>
        <translation>欠款回收：每次充值的 {share} %，最多 {cap}</translation>
    </message>
    <message>
        <source>Enter the cash amount taken (more than zero).</source>
        <translation>请输入收取的现金金额（须大于零）。</translation>
    </message>
    <message>
        <source>Flat rate: {price}</source>
        <translation>统一单价：{price}</translation>
    </message>
    <message>
        <source>From {start} and above a month: {price}</source>
        <translation>每月 {start} 及以上：{price}</translation>
    </message>
    <message>
        <source>From {start} to {end} {unit} a month: {price}</source>
        <translation>每月 {start} 至 {end} {unit}：{price}</translation>
    </message>
    <message>
        <source>Issuing this card did not finish: issue it again to finish it.</source>
        <translation>此卡发卡未完成：请重新发卡以完成。</translation>
    </message>
    <message>
        <source>Look a card up by tenant, serial number, UID or staff member.</source>
        <translation>请按租户、序列号、UID 或员工查找卡片。</translation>
    </message>
    <message>
        <source>Meter {meter} already has an active card (serial {serial}): replace that card instead of issuing a second one.</source>
        <translation>表 {meter} 已有一张有效的卡（序列号 {serial}）：请补换该卡，不要再发第二张。</translation>
    </message>
    <message>
        <source>Meter {meter} belongs to tenant {owner}, not {tenant}.</source>
        <translation>表 {meter} 属于租户 {owner}，不是租户 {tenant}。</translation>
    </message>
    <message>
        <source>Meter {meter} is a networked meter: it takes no card.</source>
        <translation>表 {meter} 是联网表，不使用卡。</translation>
    </message>
    <message>
        <source>Meter {meter} is not registered: give its tariff to register it with the card.</source>
        <translation>表 {meter} 尚未登记：请填写其费率代码，随卡一并登记。</translation>
    </message>
    <message>
        <source>Meter {meter} measures {utility}: no card for it.</source>
        <translation>表 {meter} 计量的是 {utility}：没有对应的卡。</translation>
    </message>
    <message>
        <source>No card on the reader: put the card on it and try again.</source>
        <translation>读卡器上没有卡：请放上卡片后重试。</translation>
    </message>
    <message>
        <source>No card reader is connected.</source>
        <translation>未连接读卡器。</translation>
    </message>
    <message>
        <source>No card reader is connected: cards cannot be read or written.</source>
        <translation>未连接读卡器：无法读写卡片。</translation>
    </message>
    <message>
        <source>No networked meters are registered.</source>
        <translation>没有登记任何联网表。</translation>
    </message>
    <message>
        <source>No networked meters are set up on this kiosk.</source>
        <translation>本机未设置联网表。</translation>
    </message>
    <message>
        <source>No receipt printer is set up: receipts are shown on screen.</source>
        <translation>未设置小票打印机：小票显示在屏幕上。</translation>
    </message>
    <message>
        <source>No sync backend is configured yet: {waiting}.</source>
        <translation>尚未配置同步后台：{waiting}。</translation>
    </message>
    <message>
        <source>Not enough credit on the card.</source>
        <translation>卡内余额不足。</translation>
    </message>
    <message>
        <source>Only paid top-ups not yet on a card can be refunded (this one is {state}).</source>
        <translation>只有已付款但尚未写入卡内的充值可以退款（此订单状态为：{state}）。</translation>
    </message>
    <message>
        <source>Order {order} has no receipt: only finished top-ups have one.</source>
        <translation>订单 {order} 没有小票：只有已完成的充值才有小票。</translation>
    </message>
    <message>
        <source>Serial {serial} is already card {uid} ({status}): check the number printed on the card.</source>
        <translation>序列号 {serial} 已属于卡 {uid}（{status}）：请核对卡面上印的号码。</translation>
    </message>
    <message>
        <source>Serial {serial} is already card {uid}: check the number printed on the new card.</source>
        <translation>序列号 {serial} 已属于卡 {uid}：请核对新卡卡面上印的号码。</translation>
    </message>
    <message>
        <source>Show between 1 and {max} audit entries, not {n}.</source>
        <translation>显示的审计记录数须在 1 至 {max} 之间，不能是 {n}。</translation>
    </message>
    <message>
        <source>Show between 1 and {max} orders, not {n}.</source>
        <translation>显示的订单数须在 1 至 {max} 之间，不能是 {n}。</translation>
    </message>
    <message>
        <source>Signed out after {minutes} minutes without use: tap your staff card again.</source>
        <translation>已闲置 {minutes} 分钟，系统已自动退出：请重新刷员工卡。</translation>
    </message>
    <message>
        <source>Site {site} is not set up in this database.</source>
        <translation>此数据库中尚未设置站点 {site}。</translation>
    </message>
    <message>
        <source>Staff id {staff_id} is already {name}.</source>
        <translation>员工编号 {staff_id} 已被 {name} 使用。</translation>
    </message>
    <message>
        <source>Tariff {code} has no version {version}.</source>
        <translation>费率 {code} 没有第 {version} 版。</translation>
    </message>
    <message>
        <source>Tariff: this is not JSON (line {line}, column {column}: {problem}).</source>
        <translation>费率：这不是有效的 JSON（第 {line} 行，第 {column} 列：{problem}）。</translation>
    </message>
    <message>
        <source>Tariff: {field}: {problem}</source>
        <translation>费率：{field}：{problem}</translation>
    </message>
    <message>
        <source>Tariff: {problem}</source>
        <translation>费率：{problem}</translation>
    </message>
    <message>
        <source>That amount does not fit on the card.</source>
        <translation>卡内放不下这么多金额。</translation>
    </message>
    <message>
        <source>The &apos;{name}&apos; time needs a time zone.</source>
        <translation>“{name}”时间必须带时区。</translation>
    </message>
    <message>
        <source>The amount is not valid: {detail}</source>
        <translation>金额无效：{detail}</translation>
    </message>
    <message>
        <source>The amount must be more than zero.</source>
        <translation>金额必须大于零。</translation>
    </message>
    <message>
        <source>The card could not be used.</source>
        <translation>此卡无法使用。</translation>
    </message>
    <message>
        <source>The card did not answer a command: hold it still on the reader and try again.</source>
        <translation>卡片未响应指令：请把卡在读卡器上放稳后重试。</translation>
    </message>
    <message>
        <source>The card does not allow this operation.</source>
        <translation>此卡不允许该操作。</translation>
    </message>
    <message>
        <source>The card holds something other than what was planned for it.</source>
        <translation>此卡上的数据与计划写入的不一致。</translation>
    </message>
    <message>
        <source>The card may already hold this credit: tap the card first.</source>
        <translation>此金额可能已写入卡内：请先让租户刷卡。</translation>
    </message>
    <message>
        <source>The card reader is not working: check its cable, or call a technician.</source>
        <translation>读卡器工作不正常：请检查连接线，或联系技术人员。</translation>
    </message>
    <message>
        <source>The card refused this site&apos;s key: it belongs to another site or was tampered with.</source>
        <translation>卡片拒绝了本站点的密钥：它属于其他站点，或已被篡改。</translation>
    </message>
    <message>
        <source>The card was taken away before the credit was written.</source>
        <translation>写入金额前卡已被拿走。</translation>
    </message>
    <message>
        <source>The card was taken away before the credit was written: the cash is recorded and the credit goes onto the card at its next tap.</source>
        <translation>写入金额前卡已被拿走：现金已记账，金额将在下次刷卡时写入卡内。</translation>
    </message>
    <message>
        <source>The card was taken away too early: put it back on the reader and try again.</source>
        <translation>卡片拿开得太早：请放回读卡器后重试。</translation>
    </message>
    <message>
        <source>The card was taken away while it was being issued. Put it back and try again: it resumes.</source>
        <translation>发卡过程中卡被拿走了。请放回卡片后重试：将从中断处继续。</translation>
    </message>
    <message>
        <source>The card was taken away while the credit was being written. Put it back and try again: it resumes.</source>
        <translation>写入充值金额时卡被拿走了。请放回卡片后重试：将从中断处继续。</translation>
    </message>
    <message>
        <source>The card was taken away while the new card was being issued. Put it back and try again: it resumes.</source>
        <translation>发行新卡过程中卡被拿走了。请放回卡片后重试：将从中断处继续。</translation>
    </message>
    <message>
        <source>The card was taken away while the new card was being written. Put it back and try again: it resumes.</source>
        <translation>写入新卡过程中卡被拿走了。请放回卡片后重试：将从中断处继续。</translation>
    </message>
    <message>
        <source>The card was taken away while the value was being written to the new card. Put it back and try again: it resumes.</source>
        <translation>向新卡写入金额时卡被拿走了。请放回卡片后重试：将从中断处继续。</translation>
    </message>
    <message>
        <source>The card was written after the last write recorded here (its counter reached {host}, the last known record is {counter}): by a service terminal or another kiosk. Its value since is not known here.</source>
        <translation>此卡在本机最后记录的写入之后又被写入过（其计数器已到 {host}，最后已知记录为 {counter}），可能是服务终端或其他自助机所为。此后卡内金额本机无从得知。</translation>
    </message>
    <message>
        <source>The cash is on the card.</source>
        <translation>现金已充入卡内。</translation>
    </message>
    <message>
        <source>The data on this card failed its security check.</source>
        <translation>此卡上的数据未通过安全校验。</translation>
    </message>
    <message>
        <source>The data on this card is not in a format this kiosk understands.</source>
        <translation>此卡上的数据格式本机无法识别。</translation>
    </message>
    <message>
        <source>The database cannot be written: {error}.</source>
        <translation>数据库无法写入：{error}。</translation>
    </message>
    <message>
        <source>The date a tariff is valid from needs a time zone.</source>
        <translation>费率的生效时间必须带时区。</translation>
    </message>
    <message>
        <source>The kiosk&apos;s clock ({now}) is before the end of Z {z} ({end}): set the clock right, then take the Z report.</source>
        <translation>自助机时钟（{now}）早于 Z {z} 的结束时间（{end}）：请先校准时钟，再做 Z 报表。</translation>
    </message>
    <message>
        <source>The largest top-up is {max}.</source>
        <translation>单次充值最多 {max}。</translation>
    </message>
    <message>
        <source>The last write to this card did not finish: tap it again to finish it.</source>
        <translation>上次写卡未完成：请再刷一次卡以完成写入。</translation>
    </message>
    <message>
        <source>The meters could not be set up: {detail}</source>
        <translation>无法设置联网表：{detail}</translation>
    </message>
    <message>
        <source>The new card holds something other than the replacement wrote: use another blank card.</source>
        <translation>新卡上的数据与补卡写入的不一致：请换一张空白卡。</translation>
    </message>
    <message>
        <source>The new card was written since it was issued: use another blank card.</source>
        <translation>新卡发行后已被写入过：请换一张空白卡。</translation>
    </message>
    <message>
        <source>The payment provider cannot be reached: {detail}</source>
        <translation>无法连接支付服务商：{detail}</translation>
    </message>
    <message>
        <source>The payment provider refused: {detail}</source>
        <translation>支付服务商拒绝了请求：{detail}</translation>
    </message>
    <message>
        <source>The payment provider reported a problem: {detail}</source>
        <translation>支付服务商报告了问题：{detail}</translation>
    </message>
    <message>
        <source>The receipt could not be made: {detail}</source>
        <translation>无法生成小票：{detail}</translation>
    </message>
    <message>
        <source>The smallest top-up is {min}.</source>
        <translation>单次充值最少 {min}。</translation>
    </message>
    <message>
        <source>The top-up cannot go on: {detail}</source>
        <translation>充值无法继续：{detail}</translation>
    </message>
    <message>
        <source>There is no Z report {z} on this kiosk.</source>
        <translation>本机没有第 {z} 号 Z 报表。</translation>
    </message>
    <message>
        <source>There is no card {uid} here.</source>
        <translation>本处没有卡 {uid}。</translation>
    </message>
    <message>
        <source>There is no order {order}.</source>
        <translation>没有订单 {order}。</translation>
    </message>
    <message>
        <source>There is no staff member {staff_id}.</source>
        <translation>没有编号为 {staff_id} 的员工。</translation>
    </message>
    <message>
        <source>There is no tariff {code}.</source>
        <translation>没有费率 {code}。</translation>
    </message>
    <message>
        <source>This PIN is a pattern on the keypad: too easy to guess.</source>
        <translation>此 PIN 码是键盘上的固定图案，太容易被猜到。</translation>
    </message>
    <message>
        <source>This card belongs to another building.</source>
        <translation>此卡属于其他楼栋。</translation>
    </message>
    <message>
        <source>This card can be topped up by {limit} a day; {left} is left for today.</source>
        <translation>此卡每天最多可充值 {limit}；今天还可充值 {left}。</translation>
    </message>
    <message>
        <source>This card cannot be used for that.</source>
        <translation>此卡不能用于该操作。</translation>
    </message>
    <message>
        <source>This card has been blocked: it cannot be topped up.</source>
        <translation>此卡已被停用，不能充值。</translation>
    </message>
    <message>
        <source>This card has not been issued yet.</source>
        <translation>此卡尚未发行。</translation>
    </message>
    <message>
        <source>This card has too little memory for a prepaid card.</source>
        <translation>此卡存储空间太小，不能用作预付费卡。</translation>
    </message>
    <message>
        <source>This card holds an old copy of its data.</source>
        <translation>此卡存的是旧的数据副本。</translation>
    </message>
    <message>
        <source>This card is already issued ({role} card, serial {serial}, staff {holder}): to replace a lost card use Replace.</source>
        <translation>此卡已发行（{role}卡，序列号 {serial}，员工 {holder}）：补换遗失的卡请使用“挂失补卡”。</translation>
    </message>
    <message>
        <source>This card is already issued ({role} card, serial {serial}, tenant {holder}): to replace a lost card use Replace.</source>
        <translation>此卡已发行（{role}卡，序列号 {serial}，租户 {holder}）：补换遗失的卡请使用“挂失补卡”。</translation>
    </message>
    <message>
        <source>This card is already issued here ({role} card, serial {serial}): use a blank card for the replacement.</source>
        <translation>此卡已在本处发行（{role}卡，序列号 {serial}）：补卡请使用空白卡。</translation>
    </message>
    <message>
        <source>This card is already issued here ({role} card, serial {serial}, {status}): it cannot be issued again.</source>
        <translation>此卡已在本处发行（{role}卡，序列号 {serial}，{status}）：不能再次发卡。</translation>
    </message>
    <message>
        <source>This card is already issued.</source>
        <translation>此卡已发行。</translation>
    </message>
    <message>
        <source>This card is already issued: use a blank card for the replacement.</source>
        <translation>此卡已发行：补卡请使用空白卡。</translation>
    </message>
    <message>
        <source>This card is locked after too many wrong codes.</source>
        <translation>此卡因密码错误次数过多已被锁定。</translation>
    </message>
    <message>
        <source>This card is not known here: it does not open admin mode.</source>
        <translation>本机不认识这张卡，无法进入管理模式。</translation>
    </message>
    <message>
        <source>This is not a staff card: it does not open admin mode.</source>
        <translation>这不是员工卡，无法进入管理模式。</translation>
    </message>
    <message>
        <source>This is not the new card: put it back on the reader.</source>
        <translation>这不是新卡：请把新卡放回读卡器。</translation>
    </message>
    <message>
        <source>This is the card being replaced: put the NEW card on the reader.</source>
        <translation>这是要被替换的旧卡：请把新卡放到读卡器上。</translation>
    </message>
    <message>
        <source>This kind of card is not supported here.</source>
        <translation>本处不支持此类卡片。</translation>
    </message>
    <message>
        <source>This reader or card cannot do that.</source>
        <translation>此读卡器或卡片不支持该操作。</translation>
    </message>
    <message>
        <source>This staff card does not match its record: ask a manager.</source>
        <translation>此员工卡与系统记录不符：请联系经理。</translation>
    </message>
    <message>
        <source>This staff card has been blocked: ask a manager for a new one.</source>
        <translation>此员工卡已被停用：请找经理补办新卡。</translation>
    </message>
    <message>
        <source>This staff member is no longer active here.</source>
        <translation>该员工已不在本处任职。</translation>
    </message>
    <message>
        <source>This top-up is being moved onto a replacement card: finish the replacement first.</source>
        <translation>此充值正在转入一张补办的新卡：请先完成补卡。</translation>
    </message>
    <message>
        <source>Too many wrong PINs: admin mode is locked for this card until {until}.</source>
        <translation>PIN 码错误次数过多：此卡的管理模式已锁定至 {until}。</translation>
    </message>
    <message>
        <source>Unknown role {role}: choose one of {roles}.</source>
        <translation>未知角色 {role}：请从 {roles} 中选择。</translation>
    </message>
    <message>
        <source>Writable; {size} MB.</source>
        <translation>可写入；{size} MB。</translation>
    </message>
    <message>
        <source>Written to, but its size cannot be read: {error}.</source>
        <translation>已写入，但无法读取数据库大小：{error}。</translation>
    </message>
    <message>
        <source>Wrong PIN. {n} attempt left before admin mode locks.</source>
        <translation>PIN 码错误。再错 {n} 次，管理模式将被锁定。</translation>
    </message>
    <message>
        <source>Wrong PIN. {n} attempts left before admin mode locks.</source>
        <translation>PIN 码错误。再错 {n} 次，管理模式将被锁定。</translation>
    </message>
    <message>
        <source>You are signed out: tap your staff card and enter your PIN.</source>
        <translation>您已退出登录：请刷员工卡并输入 PIN 码。</translation>
    </message>
    <message>
        <source>Your staff card or account is no longer active.</source>
        <translation>您的员工卡或账户已停用。</translation>
    </message>
    <message>
        <source>Z {z} was taken meanwhile ({when}): take the Z report again for the time since.</source>
        <translation>期间已有人做了 Z {z}（{when}）：请为此后的时段重新做 Z 报表。</translation>
    </message>
    <message>
        <source>a write whose outcome was never learned (counter {counter}), taken as made: its top-up is delivered on the new card</source>
        <translation>一次结果未知的写入（计数器 {counter}），按已写入处理：其充值将转入新卡</translation>
    </message>
    <message>
        <source>active</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>amount chosen</source>
        <translation>已选金额</translation>
    </message>
    <message>
        <source>as decided when this replacement began</source>
        <translation>按开始补卡时确定的金额</translation>
    </message>
    <message>
        <source>as issued: this kiosk has not written to it since</source>
        <translation>发卡时的记录：此后本机未再写入此卡</translation>
    </message>
    <message>
        <source>blacklisted</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>block card</source>
        <translation>停用卡片</translation>
    </message>
    <message>
        <source>blocked cards and tariffs as of {when}</source>
        <translation>停用卡名单和电价更新至 {when}</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>card read</source>
        <translation>已读卡</translation>
    </message>
    <message>
        <source>cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <source>cash topup</source>
        <translation>现金充值</translation>
    </message>
    <message>
        <source>change own pin</source>
        <translation>修改自己的 PIN 码</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>闭合（供电中）</translation>
    </message>
    <message>
        <source>credit pending</source>
        <translation>待写入卡</translation>
    </message>
    <message>
        <source>database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <source>day end</source>
        <translation>日结</translation>
    </message>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>electricity</source>
        <translation>电</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>hardware check</source>
        <translation>做硬件检测</translation>
    </message>
    <message>
        <source>issue card</source>
        <translation>发卡</translation>
    </message>
    <message>
        <source>issue staff card</source>
        <translation>发员工卡</translation>
    </message>
    <message>
        <source>last sent {when}</source>
        <translation>最近一次发送于 {when}</translation>
    </message>
    <message>
        <source>meter</source>
        <translation>水电</translation>
    </message>
    <message>
        <source>meter {meter}</source>
        <translation>表 {meter}</translation>
    </message>
    <message>
        <source>networked meters</source>
        <translation>联网表</translation>
    </message>
    <message>
        <source>no blocked cards or tariffs received yet</source>
        <translation>尚未收到停用卡名单或电价</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>nothing sent yet</source>
        <translation>尚未发送过任何消息</translation>
    </message>
    <message>
        <source>nothing waits</source>
        <translation>没有待发送的消息</translation>
    </message>
    <message>
        <source>open</source>
        <translation>断开（已断电）</translation>
    </message>
    <message>
        <source>order created</source>
        <translation>已下单</translation>
    </message>
    <message>
        <source>paid</source>
        <translation>已付款</translation>
    </message>
    <message>
        <source>payments ({provider})</source>
        <translation>支付（{provider}）</translation>
    </message>
    <message>
        <source>printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>publish tariff</source>
        <translation>发布费率</translation>
    </message>
    <message>
        <source>read card</source>
        <translation>读卡</translation>
    </message>
    <message>
        <source>reader</source>
        <translation>读卡器</translation>
    </message>
    <message>
        <source>refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>refund pending</source>
        <translation>退款中</translation>
    </message>
    <message>
        <source>refunded</source>
        <translation>已退款</translation>
    </message>
    <message>
        <source>replace card</source>
        <translation>挂失补卡</translation>
    </message>
    <message>
        <source>replaced</source>
        <translation>已替换</translation>
    </message>
    <message>
        <source>reprint</source>
        <translation>补打小票</translation>
    </message>
    <message>
        <source>service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>set pin</source>
        <translation>设置 PIN 码</translation>
    </message>
    <message>
        <source>staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>staff credit</source>
        <translation>员工补记</translation>
    </message>
    <message>
        <source>sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>sync status</source>
        <translation>查看同步状态</translation>
    </message>
    <message>
        <source>the last write this kiosk made to it (counter {counter})</source>
        <translation>本机最后一次写入此卡的记录（计数器 {counter}）</translation>
    </message>
    <message>
        <source>view audit</source>
        <translation>查看审计日志</translation>
    </message>
    <message>
        <source>view orders</source>
        <translation>查看订单</translation>
    </message>
    <message>
        <source>view tariffs</source>
        <translation>查看费率</translation>
    </message>
    <message>
        <source>wallet</source>
        <translation>钱包</translation>
    </message>
    <message>
        <source>water</source>
        <translation>水</translation>
    </message>
    <message>
        <source>write pending</source>
        <translation>写卡中</translation>
    </message>
    <message>
        <source>written</source>
        <translation>已写卡</translation>
    </message>
    <message>
        <source>x report</source>
        <translation>做 X 报表</translation>
    </message>
    <message>
        <source>{address} answers: {energy} Wh, relay {relay}.</source>
        <translation>{address} 有响应：{energy} Wh，继电器{relay}。</translation>
    </message>
    <message>
        <source>{address} does not answer: {detail}</source>
        <translation>{address} 无响应：{detail}</translation>
    </message>
    <message>
        <source>{first} {second}</source>
        <translation>{first}{second}</translation>
    </message>
    <message>
        <source>{label}: {amount} per month</source>
        <translation>{label}：每月 {amount}</translation>
    </message>
    <message>
        <source>{label}: {amount} per top-up</source>
        <translation>{label}：每次充值 {amount}</translation>
    </message>
    <message>
        <source>{name} (other times): {price}</source>
        <translation>{name}（其他时段）：{price}</translation>
    </message>
    <message>
        <source>{name} already has an active staff card (serial {serial}): block it first if it is lost.</source>
        <translation>{name} 已有一张有效的员工卡（序列号 {serial}）：如已遗失，请先停用该卡。</translation>
    </message>
    <message>
        <source>{name} has no PIN yet: set one with `prepay-kiosk staff pin --id {staff_id}`.</source>
        <translation>{name} 尚未设置 PIN 码：请用 `prepay-kiosk staff pin --id {staff_id}` 设置。</translation>
    </message>
    <message>
        <source>{name} is no longer active here.</source>
        <translation>{name} 已不在本处任职。</translation>
    </message>
    <message>
        <source>{name} {start}-{end}: {price}</source>
        <translation>{name} {start}-{end}：{price}</translation>
    </message>
    <message>
        <source>{n} earlier write(s) to this card were never settled (orders {orders}): they are not carried; settle them with the tenant.</source>
        <translation>此卡有 {n} 次较早的写入一直未结清（订单 {orders}）：不转入新卡，请与租户核对处理。</translation>
    </message>
    <message>
        <source>{n} message waits, the oldest from {when}</source>
        <translation>{n} 条消息待发送，最早的来自 {when}</translation>
    </message>
    <message>
        <source>{n} messages wait, the oldest from {when}</source>
        <translation>{n} 条消息待发送，最早的来自 {when}</translation>
    </message>
    <message>
        <source>{problem}</source>
        <translation>打印机故障：{problem}</translation>
    </message>
    <message>
        <source>{provider} answers (it refused the test query: {detail}).</source>
        <translation>{provider} 有响应（它拒绝了测试查询：{detail}）。</translation>
    </message>
    <message>
        <source>{provider} answers.</source>
        <translation>{provider} 有响应。</translation>
    </message>
    <message>
        <source>{provider} cannot be reached: {detail}</source>
        <translation>无法连接 {provider}：{detail}</translation>
    </message>
    <message>
        <source>{reader} answers; a card is on it.</source>
        <translation>{reader} 有响应；读卡器上有卡。</translation>
    </message>
    <message>
        <source>{reader} answers; no card on it.</source>
        <translation>{reader} 有响应；读卡器上无卡。</translation>
    </message>
    <message>
        <source>{reader}: {problem}</source>
        <translation>{reader}：{problem}</translation>
    </message>
    <message>
        <source>{ref} is older than the newest version, v{newest}: publish a new price as v{next}.</source>
        <translation>{ref} 比最新版本 v{newest} 旧：新价格请发布为 v{next}。</translation>
    </message>
    <message>
        <source>{ref}: {name}</source>
        <translation>{ref}：{name}</translation>
    </message>
    <message>
        <source>{state}</source>
        <translation>打印机状态：{state}</translation>
    </message>
    <message>
        <source>{utility}, {currency}, time zone {timezone}</source>
        <translation>{utility}，{currency}，时区 {timezone}</translation>
    </message>
    <message>
        <source>{warning} Confirm to carry the last known value anyway.</source>
        <translation>{warning}如仍要转入最后已知的金额，请确认。</translation>
    </message>
</context>
<context>
    <name>messages</name>
    <message>
        <source>Amounts in {currency} have at most {digits} decimal places.</source>
        <translation>{currency} 金额最多 {digits} 位小数。</translation>
    </message>
    <message>
        <source>Amounts in {currency} have no decimal places.</source>
        <translation>{currency} 金额不能有小数。</translation>
    </message>
    <message>
        <source>An earlier top-up of this card needs checking by staff. Please call staff; nothing is lost.</source>
        <translation>此卡此前的一笔充值需由工作人员核查。请联系工作人员，资金不会丢失。</translation>
    </message>
    <message>
        <source>At about {daily} a day, your credit has probably run out. Please top up soon.</source>
        <translation>按每天约 {daily} 计算，余额可能已用完。请尽快充值。</translation>
    </message>
    <message>
        <source>At about {daily} a day, your credit lasts about {days} more days (until {date}).</source>
        <translation>按每天约 {daily} 计算，余额还可用约 {days} 天（至 {date}）。</translation>
    </message>
    <message>
        <source>At about {daily} a day, your credit runs out within a day. Please top up soon.</source>
        <translation>按每天约 {daily} 计算，余额将在一天内用完。请尽快充值。</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Done. Insert your card into the meter to load {to_load}.</source>
        <translation>充值成功。请将卡插入水电表，充入 {to_load}。</translation>
    </message>
    <message>
        <source>Done. {amount} has been added; your card now holds {balance}.</source>
        <translation>充值成功，已充入 {amount}，卡内余额 {balance}。</translation>
    </message>
    <message>
        <source>Done. {amount} has been put on your card.</source>
        <translation>充值成功，{amount} 已充入您的卡。</translation>
    </message>
    <message>
        <source>Enter an amount more than zero.</source>
        <translation>请输入大于零的金额。</translation>
    </message>
    <message>
        <source>Insert your card into the meter to load {amount}.</source>
        <translation>请将卡插入水电表，充入 {amount}。</translation>
    </message>
    <message>
        <source>Issuing this card did not finish. Please ask staff to issue it again.</source>
        <translation>此卡开卡未完成。请联系工作人员重新开卡。</translation>
    </message>
    <message>
        <source>No payment arrived; nothing was charged. If you did pay, the credit will be put on your card at your next tap.</source>
        <translation>未收到付款，未扣款。如您已付款，金额将在您下次刷卡时充入卡内。</translation>
    </message>
    <message>
        <source>Not enough meter readings yet to say how long your credit lasts.</source>
        <translation>表读数尚不足，暂时无法估算余额可用多久。</translation>
    </message>
    <message>
        <source>Payment is not available right now. Nothing was charged. Please try again later.</source>
        <translation>暂时无法支付，未扣款。请稍后再试。</translation>
    </message>
    <message>
        <source>Put card {card} back on the reader to receive {amount}.</source>
        <translation>请将卡 {card} 放回读卡器，以充入 {amount}。</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>已退款</translation>
    </message>
    <message>
        <source>Scan the QR code to keep your receipt.</source>
        <translation>扫描二维码即可保存小票。</translation>
    </message>
    <message>
        <source>Scan the code with your phone to pay {amount}, then put your card back on the reader.</source>
        <translation>请用手机扫码支付 {amount}，然后将卡放回读卡器。</translation>
    </message>
    <message>
        <source>Scan the code with your phone to pay {amount}. Keep your card on the reader.</source>
        <translation>请用手机扫码支付 {amount}。请勿移开卡片。</translation>
    </message>
    <message>
        <source>Something went wrong at this kiosk. Nothing is lost: if you paid, the credit will be put on your card at your next tap. Please call staff.</source>
        <translation>本机出现故障。资金不会丢失：如您已付款，金额将在您下次刷卡时充入卡内。请联系工作人员。</translation>
    </message>
    <message>
        <source>That number is too long.</source>
        <translation>数字过长。</translation>
    </message>
    <message>
        <source>The amount must be more than the service fee of {fee}.</source>
        <translation>金额须大于服务费 {fee}。</translation>
    </message>
    <message>
        <source>The card moved away while credit owed to it was being written. Please put it back on the reader; nothing is lost.</source>
        <translation>写入应到账金额时卡片被移开。请将卡放回读卡器，资金不会丢失。</translation>
    </message>
    <message>
        <source>The card moved away while it was being read. Please put it back and hold it still.</source>
        <translation>读卡时卡片被移开。请放回卡片，并保持不动。</translation>
    </message>
    <message>
        <source>The card reader is not working. Please call staff.</source>
        <translation>读卡器故障。请联系工作人员。</translation>
    </message>
    <message>
        <source>The largest top-up is {max}.</source>
        <translation>单次最多充值 {max}。</translation>
    </message>
    <message>
        <source>The last write to this card did not finish. Please tap it again.</source>
        <translation>此卡上次写卡未完成。请重新刷卡。</translation>
    </message>
    <message>
        <source>The meter refused the purchase on this card: an earlier purchase was never loaded. Please call staff.</source>
        <translation>水电表拒绝此卡上的购买记录：之前有一笔购买未充入表内。请联系工作人员。</translation>
    </message>
    <message>
        <source>The meter refused the purchase on this card: it is older than the last one the meter loaded. Please call staff.</source>
        <translation>水电表拒绝此卡上的购买记录：该记录早于表内最近一次充入的记录。请联系工作人员。</translation>
    </message>
    <message>
        <source>The meter refused this card: it belongs to another meter. Please call staff.</source>
        <translation>水电表拒绝此卡：此卡属于其他表。请联系工作人员。</translation>
    </message>
    <message>
        <source>The meter refused this card: its data failed the meter&apos;s security check. Please call staff.</source>
        <translation>水电表拒绝此卡：卡内数据未通过表的安全校验。请联系工作人员。</translation>
    </message>
    <message>
        <source>The meter&apos;s last report on this card could not be read. Insert the card into the meter again.</source>
        <translation>无法读取水电表上次写入此卡的数据。请将卡重新插入水电表。</translation>
    </message>
    <message>
        <source>The payment could not be confirmed. If you paid, the credit will be put on your card at your next tap; otherwise nothing was charged.</source>
        <translation>无法确认付款。如您已付款，金额将在您下次刷卡时充入卡内；否则不会扣款。</translation>
    </message>
    <message>
        <source>The receipt could not be printed; scan the QR code to keep it.</source>
        <translation>小票打印失败，请扫描二维码保存小票。</translation>
    </message>
    <message>
        <source>The receipt could not be printed; your receipt number is {receipt_no}.</source>
        <translation>小票打印失败，您的小票号为 {receipt_no}。</translation>
    </message>
    <message>
        <source>The smallest top-up is {min}.</source>
        <translation>最低充值金额为 {min}。</translation>
    </message>
    <message>
        <source>The top-up was cancelled. Nothing was charged.</source>
        <translation>充值已取消，未扣款。</translation>
    </message>
    <message>
        <source>This amount cannot be bought. Please choose another one.</source>
        <translation>无法购买此金额。请选择其他金额。</translation>
    </message>
    <message>
        <source>This card belongs to another building and cannot be used here.</source>
        <translation>此卡属于其他楼宇，不能在此使用。</translation>
    </message>
    <message>
        <source>This card can be topped up by {limit} a day; {left} is left for today.</source>
        <translation>此卡每日充值上限为 {limit}，今日还可充 {left}。</translation>
    </message>
    <message>
        <source>This card cannot be used at this kiosk. Please use a card issued here, or call staff.</source>
        <translation>此卡不能在本机使用。请使用本处发行的卡，或联系工作人员。</translation>
    </message>
    <message>
        <source>This card cannot hold that much. Please choose a smaller amount.</source>
        <translation>超出此卡可存金额。请选择较小的金额。</translation>
    </message>
    <message>
        <source>This card could not be read. Please try again, or call staff.</source>
        <translation>无法读取此卡。请重试，或联系工作人员。</translation>
    </message>
    <message>
        <source>This card failed its security check. Please call staff.</source>
        <translation>此卡未通过安全校验。请联系工作人员。</translation>
    </message>
    <message>
        <source>This card has been blocked (reported lost or replaced). Please call staff.</source>
        <translation>此卡已停用（已挂失或已补卡）。请联系工作人员。</translation>
    </message>
    <message>
        <source>This card has not been issued yet. Please ask staff to issue it.</source>
        <translation>此卡尚未开卡。请联系工作人员办理开卡。</translation>
    </message>
    <message>
        <source>This card holds an old copy of its data. Please call staff.</source>
        <translation>此卡内是旧版数据。请联系工作人员。</translation>
    </message>
    <message>
        <source>This card is locked. Please call staff.</source>
        <translation>此卡已锁定。请联系工作人员。</translation>
    </message>
    <message>
        <source>This is not the card being topped up. Put back card {card}.</source>
        <translation>这不是正在充值的卡。请放回卡 {card}。</translation>
    </message>
    <message>
        <source>This is not the card being topped up; put back card {card}.</source>
        <translation>这不是正在充值的卡，请放回卡 {card}。</translation>
    </message>
    <message>
        <source>Top up from {min} to {max} (what is left of today&apos;s limit).</source>
        <translation>充值金额：{min} 至 {max}（今日剩余额度）。</translation>
    </message>
    <message>
        <source>Top up from {min} to {max}.</source>
        <translation>充值金额：{min} 至 {max}。</translation>
    </message>
    <message>
        <source>Type the amount with digits and at most one decimal point.</source>
        <translation>请用数字输入金额，最多一个小数点。</translation>
    </message>
    <message>
        <source>Waiting for your next tap</source>
        <translation>待下次刷卡到账</translation>
    </message>
    <message>
        <source>Writing {amount} to your card. Keep the card on the reader.</source>
        <translation>正在将 {amount} 写入您的卡。请勿移开卡片。</translation>
    </message>
    <message>
        <source>Your card did not come back. The {amount} you paid is kept and will be written to your card at your next tap.</source>
        <translation>您的卡未放回。您支付的 {amount} 已保留，将在您下次刷卡时写入卡内。</translation>
    </message>
    <message>
        <source>Your meter has recorded no use lately.</source>
        <translation>您的水电表近期没有用量。</translation>
    </message>
    <message>
        <source>Your payment of {amount} is kept, but it could not be written to this card. Please call staff.</source>
        <translation>您支付的 {amount} 已保留，但无法写入此卡。请联系工作人员。</translation>
    </message>
    <message>
        <source>Your receipt number is {receipt_no}.</source>
        <translation>您的小票号为 {receipt_no}。</translation>
    </message>
    <message>
        <source>{amount} buys {units}.</source>
        <translation>{amount} 可购买 {units}。</translation>
    </message>
    <message>
        <source>{amount} paid earlier has been put on your card.</source>
        <translation>此前支付的 {amount} 已充入您的卡。</translation>
    </message>
    <message>
        <source>{credit} goes onto your card.</source>
        <translation>{credit} 将充入您的卡。</translation>
    </message>
</context>
</TS>
